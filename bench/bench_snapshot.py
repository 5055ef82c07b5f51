"""6. Snapshot: create and reuse times for the full SST-2 train split (67k rows); hash rows/s.

Each side runs three times, alternating; the figures are medians.

Plain side: ``datasets.load_dataset("json")`` of the same files with a cold cache, then with a warm
one, and ``save_to_disk`` as the plain way to freeze a copy. System side: bert_activities'
``create_snapshot`` core, cold ``datasets`` cache, then again (reuse). The hash rate is the
snapshot's own row serialisation (``canonical_json``) plus SHA-256 over every row, without I/O.
"""

import hashlib
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

from bench.context import BenchContext
from bench.data import data_dir
from bench.harness import BenchResult
from bench.profiling import maybe_profile

NAME = "snapshot"
TITLE = "6 snapshot create/reuse"
REPEATS = 3


def _plain_load(files: dict[str, str], cache_dir: Path) -> tuple[float, Any]:
    from datasets import load_dataset

    start = time.perf_counter()
    loaded = load_dataset("json", data_files=files, cache_dir=str(cache_dir))
    return time.perf_counter() - start, loaded


def _with_datasets_cache(cache_dir: Path) -> None:
    """Point ``datasets``' default cache (read at call time) at ``cache_dir``."""
    import datasets.config

    cache_dir.mkdir(parents=True, exist_ok=True)
    datasets.config.HF_DATASETS_CACHE = cache_dir


def _hash_rows_per_s(dataset_dir: Path) -> tuple[float, int]:
    from bert_activities.data_sources import load_source
    from bert_activities.snapshot_files import canonical_json

    source = load_source(str(dataset_dir))
    digest = hashlib.sha256()
    rows = 0
    start = time.perf_counter()
    for split in source.splits.values():
        for batch in split.iter(batch_size=1000):
            columns = list(batch)
            for values in zip(*(batch[name] for name in columns), strict=True):
                line = canonical_json(dict(zip(columns, values, strict=True))) + "\n"
                digest.update(line.encode("utf-8"))
                rows += 1
    return rows / (time.perf_counter() - start), rows


async def run(context: BenchContext) -> BenchResult:
    """Time the plain load / freeze and the system create / reuse of one dataset folder."""
    from bert_activities.data_sources import load_source
    from bert_activities.snapshot import create_snapshot
    from bert_types import DatasetSnapshotRequest

    dataset = data_dir() / ("rte" if context.quick else "sst2")
    files = {split: str(path) for split, path in _split_files(dataset).items()}
    work = context.folder(NAME)
    figures: dict[str, Any] = {"repeats": REPEATS}
    warmup = {"validation": str(data_dir() / "rte" / "validation.jsonl")}
    _plain_load(warmup, work / "warmup-cache")

    timings: dict[str, list[float]] = {
        key: [] for key in ("plain_cold", "plain_warm", "plain_save", "create", "reuse")
    }
    for repeat in range(REPEATS):
        cold_s, loaded = _plain_load(files, work / f"plain-cache-{repeat}")
        timings["plain_cold"].append(cold_s)
        timings["plain_warm"].append(_plain_load(files, work / f"plain-cache-{repeat}")[0])
        start = time.perf_counter()
        loaded.save_to_disk(str(work / f"plain-saved-{repeat}"))
        timings["plain_save"].append(time.perf_counter() - start)

        _with_datasets_cache(work / f"system-cache-{repeat}")
        request = DatasetSnapshotRequest(
            dataset_name=str(dataset), snapshot_root=str(work / f"snaps-{repeat}")
        )
        start = time.perf_counter()
        with maybe_profile(context.profile_dir if repeat == 0 else None, "snapshot_create"):
            created = create_snapshot(request)
        timings["create"].append(time.perf_counter() - start)
        start = time.perf_counter()
        reused = create_snapshot(request)
        timings["reuse"].append(time.perf_counter() - start)
        if created.reused or not reused.reused or reused.content_hash != created.content_hash:
            raise AssertionError(
                f"expected a fresh snapshot then a reuse of it, got reused={created.reused} then "
                f"reused={reused.reused} (hashes {created.content_hash[:12]} / "
                f"{reused.content_hash[:12]})"
            )
    plain_cold_s, plain_warm_s, plain_save_s, create_s, reuse_s = (
        median(timings[key])
        for key in ("plain_cold", "plain_warm", "plain_save", "create", "reuse")
    )
    rows = sum(len(split) for split in loaded.values())
    train_rows = len(loaded["train"])
    start = time.perf_counter()
    load_source(str(dataset))
    system_load_warm_s = time.perf_counter() - start
    hash_rate, hashed_rows = _hash_rows_per_s(dataset)

    figures.update(
        {
            "rows_total": rows,
            "rows_train": train_rows,
            "plain_load_cold_s": round(plain_cold_s, 3),
            "plain_load_warm_s": round(plain_warm_s, 3),
            "plain_save_to_disk_s": round(plain_save_s, 3),
            "system_create_s": round(create_s, 3),
            "system_reuse_s": round(reuse_s, 3),
            "system_load_source_warm_s": round(system_load_warm_s, 3),
            "hash_rows_per_s": round(hash_rate, 0),
            "hashed_rows": hashed_rows,
            "create_rows_per_s": round(rows / create_s, 0),
            "reuse_rows_per_s": round(rows / reuse_s, 0),
            "create_vs_plain_load_cold": round(create_s / plain_cold_s, 2),
            "create_vs_plain_load_and_save": round(create_s / (plain_cold_s + plain_save_s), 2),
            "reuse_vs_plain_load_warm": round(reuse_s / plain_warm_s, 2),
            "snapshot_id": created.snapshot_id,
            "all_timings_s": {k: [round(v, 3) for v in vs] for k, vs in timings.items()},
        }
    )
    notes = [f"The snapshot's serialise + SHA-256 loop alone runs at {hash_rate:,.0f} rows/s."]
    if reuse_s > 0.5 * create_s:
        notes.append(
            f"Reuse takes {reuse_s / create_s:.0%} of create: create_snapshot decides reuse only "
            "after loading, serialising, hashing and writing every row again to a staging folder "
            "(the snapshot id includes the content hash), then drops the staging copy."
        )
    return BenchResult(
        name=NAME,
        title=TITLE,
        plain=f"load {plain_cold_s:.2f}s cold / {plain_warm_s:.2f}s warm",
        system=f"create {create_s:.2f}s, reuse {reuse_s:.2f}s, hash {hash_rate:,.0f} rows/s",
        ratio=figures["create_vs_plain_load_cold"],
        ratio_label="create/plain cold load",
        target="(no target) report",
        figures=figures,
        workload={
            "dataset": str(dataset),
            "rows": rows,
            "train_rows": train_rows,
            "quick": context.quick,
        },
        notes=notes,
    )


def _split_files(dataset: Path) -> dict[str, Path]:
    return {path.stem: path for path in sorted(dataset.glob("*.jsonl"))}


if __name__ == "__main__":
    from bench.runner import main

    sys.exit(main(only=NAME))
