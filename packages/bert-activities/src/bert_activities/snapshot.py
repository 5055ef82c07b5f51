"""``create_snapshot``: freeze a dataset's train and eval rows under a content-hashed folder.

The snapshot id is derived from the source identity, the sampling parameters and the content
hash. Files are written into a temporary folder beside the target and renamed into place, so a
crash never leaves a half snapshot under the final name; a complete ``metadata.json`` (written
last, with file sizes) is what marks a snapshot reusable.
"""

import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bert_types.errors import EMPTY_DATASET
from bert_types.snapshot import DatasetSnapshotRequest, DatasetSnapshotResult

from bert_activities.data_sources import (
    LoadedSource,
    default_eval_split,
    load_source,
    require_split,
    select_rows,
)
from bert_activities.failures import bad_input
from bert_activities.roots import snapshot_root
from bert_activities.snapshot_files import (
    EVAL_FILE,
    METADATA_FILE,
    SNAPSHOT_FORMAT_VERSION,
    TRAIN_FILE,
    canonical_json,
    read_metadata,
)

logger = logging.getLogger(__name__)

HOLDOUT_SPLIT = "holdout"
_ROWS_PER_BATCH = 1000
STALE_STAGING_S = 24 * 3600
"""Staging folders older than this were left by a crashed writer and are removed."""


def create_snapshot(request: DatasetSnapshotRequest) -> DatasetSnapshotResult:
    """Load, subsample and freeze ``request``'s dataset; reuse an identical complete snapshot."""
    source = load_source(request.dataset_name, request.dataset_config_name)
    train, eval_rows, eval_split = _pick_splits(source, request)
    root = snapshot_root(request.snapshot_root)
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(root)
    staging = root / f".tmp-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        content = hashlib.sha256()
        num_train = _write_split(train, staging / TRAIN_FILE, b"train", content)
        num_eval = _write_split(eval_rows, staging / EVAL_FILE, b"eval", content)
        _require_rows(num_train, "train", request, source)
        _require_rows(num_eval, f"eval ({eval_split})", request, source)
        content_hash = content.hexdigest()
        sampling = _sampling(request, eval_split)
        snapshot_id = _snapshot_id(request, source.identity, sampling, content_hash)
        final = root / snapshot_id
        existing = read_metadata(final)
        if existing is not None and existing.get("content_hash") == content_hash:
            return _result(existing, final, reused=True)
        metadata = {
            "format_version": SNAPSHOT_FORMAT_VERSION,
            "snapshot_id": snapshot_id,
            "content_hash": content_hash,
            "source": source.identity,
            "dataset_name": request.dataset_name,
            "dataset_config_name": request.dataset_config_name,
            "train_split": request.train_split,
            "eval_split": eval_split,
            "sampling": sampling,
            "num_train_rows": num_train,
            "num_eval_rows": num_eval,
            "columns": list(train.column_names),
            "features": {name: _dtype_name(f) for name, f in train.features.items()},
            "label_names": _declared_label_names(train),
            "created_at": datetime.now(UTC).isoformat(),
            "file_sizes": {
                TRAIN_FILE: (staging / TRAIN_FILE).stat().st_size,
                EVAL_FILE: (staging / EVAL_FILE).stat().st_size,
            },
        }
        _write_json_durably(staging / METADATA_FILE, metadata)
        _fsync_dir(staging)
        return _publish(staging, final, metadata)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove_stale_staging(root: Path) -> None:
    cutoff = time.time() - STALE_STAGING_S
    for child in root.glob(".*"):
        if not child.name.startswith((".tmp-", ".stale-")):
            continue
        try:
            if child.stat().st_mtime < cutoff:
                logger.info("removing staging folder %s left by an interrupted snapshot", child)
                shutil.rmtree(child, ignore_errors=True)
        except FileNotFoundError:
            continue


def _pick_splits(source: LoadedSource, request: DatasetSnapshotRequest) -> tuple[Any, Any, str]:
    train = require_split(source, request.train_split, "train_split")
    if request.eval_split is not None:
        eval_split = request.eval_split
        evaluation = require_split(source, eval_split, "eval_split")
    elif (found := default_eval_split(source, exclude=request.train_split)) is not None:
        eval_split, evaluation = found, source.splits[found]
    else:
        if len(train) < 2:
            raise bad_input(
                EMPTY_DATASET,
                f"dataset {source.identity} has {len(train)} row(s) in {request.train_split!r} "
                "and no validation split: at least 2 rows are needed to hold some out",
            )
        parts = train.train_test_split(test_size=request.holdout_fraction, seed=request.seed)
        train, evaluation, eval_split = parts["train"], parts["test"], HOLDOUT_SPLIT
    train = select_rows(
        train, request.max_train_samples, request.shuffle_before_select, request.seed
    )
    evaluation = select_rows(
        evaluation, request.max_eval_samples, request.shuffle_before_select, request.seed
    )
    return train, evaluation, eval_split


def _write_split(dataset: Any, file: Path, tag: bytes, content: "hashlib._Hash") -> int:
    content.update(tag + b"\n")
    count = 0
    with file.open("w", encoding="utf-8", newline="\n") as handle:
        for batch in dataset.iter(batch_size=_ROWS_PER_BATCH):
            columns = list(batch)
            for values in zip(*(batch[name] for name in columns), strict=True):
                line = canonical_json(dict(zip(columns, values, strict=True))) + "\n"
                handle.write(line)
                content.update(line.encode("utf-8"))
                count += 1
        handle.flush()
        os.fsync(handle.fileno())
    return count


def _require_rows(count: int, what: str, request: DatasetSnapshotRequest, source: Any) -> None:
    if count == 0:
        raise bad_input(
            EMPTY_DATASET,
            f"the {what} split of dataset {source.identity} has no rows after loading and "
            f"subsampling (max_train_samples={request.max_train_samples}, max_eval_samples="
            f"{request.max_eval_samples}); check the file or the split names",
        )


def _sampling(request: DatasetSnapshotRequest, eval_split: str) -> dict[str, Any]:
    return {
        "train_split": request.train_split,
        "eval_split": eval_split,
        "holdout_fraction": request.holdout_fraction if eval_split == HOLDOUT_SPLIT else None,
        "max_train_samples": request.max_train_samples,
        "max_eval_samples": request.max_eval_samples,
        "shuffle_before_select": request.shuffle_before_select,
        "seed": request.seed,
    }


def _snapshot_id(
    request: DatasetSnapshotRequest, identity: str, sampling: dict[str, Any], content_hash: str
) -> str:
    key = json.dumps(
        {"source": identity, "sampling": sampling, "content_hash": content_hash}, sort_keys=True
    )
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    name = Path(request.dataset_name.rstrip("/\\")).stem or "dataset"
    if request.dataset_config_name:
        name = f"{name}-{request.dataset_config_name}"
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:48] or "dataset"
    return f"{slug}-{digest}"


def _dtype_name(feature: Any) -> str:
    from datasets import ClassLabel, Value

    if isinstance(feature, ClassLabel):
        return "class_label"
    if isinstance(feature, Value):
        return str(feature.dtype)
    return type(feature).__name__


def _declared_label_names(dataset: Any) -> dict[str, list[str]]:
    from datasets import ClassLabel

    return {
        name: list(feature.names)
        for name, feature in dataset.features.items()
        if isinstance(feature, ClassLabel)
    }


def _write_json_durably(file: Path, payload: dict[str, Any]) -> None:
    with file.open("w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _publish(staging: Path, final: Path, metadata: dict[str, Any]) -> DatasetSnapshotResult:
    for _ in range(3):
        try:
            staging.rename(final)
        except OSError:
            existing = read_metadata(final)
            if existing is not None and existing.get("content_hash") == metadata["content_hash"]:
                return _result(existing, final, reused=True)
            if existing is None and final.exists():
                stale = final.with_name(f".stale-{final.name}-{uuid.uuid4().hex}")
                logger.warning("replacing incomplete snapshot folder %s", final)
                try:
                    final.rename(stale)
                except OSError:
                    time.sleep(0.1)
                    continue
                shutil.rmtree(stale, ignore_errors=True)
            continue
        _fsync_dir(final.parent)
        return _result(metadata, final, reused=False)
    existing = read_metadata(final)
    if existing is not None:
        return _result(existing, final, reused=True)
    raise OSError(f"could not publish snapshot {final}: the folder keeps changing")


def _result(metadata: dict[str, Any], folder: Path, reused: bool) -> DatasetSnapshotResult:
    label_names: dict[str, list[str]] = metadata.get("label_names") or {}
    first_names = next(iter(label_names.values()), None)
    preferred = label_names.get("label", first_names)
    return DatasetSnapshotResult(
        snapshot_id=metadata["snapshot_id"],
        path=str(folder),
        content_hash=metadata["content_hash"],
        source=metadata["source"],
        train_split=metadata["train_split"],
        eval_split=metadata["eval_split"],
        num_train_rows=metadata["num_train_rows"],
        num_eval_rows=metadata["num_eval_rows"],
        columns=metadata["columns"],
        features=metadata["features"],
        label_names=preferred,
        created_at=datetime.fromisoformat(metadata["created_at"]),
        reused=reused,
    )
