"""Dataset snapshots: formats, reuse by content hash, atomic writes, concurrent requests."""

import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from bert_activities.snapshot import create_snapshot
from bert_activities.snapshot_files import EVAL_FILE, METADATA_FILE, TRAIN_FILE, read_rows
from bert_types import DatasetSnapshotRequest, DatasetSnapshotResult
from bert_types.errors import DATASET_NOT_FOUND, SPLIT_NOT_FOUND
from temporalio.exceptions import ApplicationError

from tests.activities.conftest import read_jsonl, write_jsonl


@pytest.fixture
def sst2_rows(shared_data: Path) -> list[dict[str, object]]:
    return read_jsonl(shared_data / "sst2" / "train.jsonl", limit=60)


def _request(dataset: Path | str, root: Path, **fields: object) -> DatasetSnapshotRequest:
    return DatasetSnapshotRequest(dataset_name=str(dataset), snapshot_root=str(root), **fields)


def test_layout_counts_and_metadata(shared_data: Path, tmp_path: Path) -> None:
    result = create_snapshot(
        _request(shared_data / "sst2", tmp_path, max_train_samples=50, max_eval_samples=20)
    )
    folder = Path(result.path)
    assert folder.parent == tmp_path
    assert folder.name == result.snapshot_id
    assert sorted(p.name for p in folder.iterdir()) == [EVAL_FILE, METADATA_FILE, TRAIN_FILE]
    assert (result.num_train_rows, result.num_eval_rows) == (50, 20)
    assert result.eval_split == "validation"
    assert result.columns == ["sentence", "label"]
    assert result.features == {"sentence": "string", "label": "int64"}
    assert len(read_rows(folder / TRAIN_FILE)) == 50
    metadata = json.loads((folder / METADATA_FILE).read_text())
    assert metadata["content_hash"] == result.content_hash
    assert metadata["source"] == f"local:{(shared_data / 'sst2').resolve()}"
    assert not result.reused


def test_same_input_same_hash_and_reuse(shared_data: Path, tmp_path: Path) -> None:
    request = _request(shared_data / "rte", tmp_path, max_train_samples=30, max_eval_samples=10)
    first = create_snapshot(request)
    second = create_snapshot(request)
    assert second.reused
    assert not first.reused
    assert (second.snapshot_id, second.content_hash) == (first.snapshot_id, first.content_hash)
    assert second.created_at == first.created_at
    other_seed = create_snapshot(request.model_copy(update={"seed": 7}))
    assert other_seed.snapshot_id != first.snapshot_id


def test_changed_row_changes_hash(sst2_rows: list[dict[str, object]], tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data" / "reviews.jsonl", sst2_rows)
    first = create_snapshot(_request(data, tmp_path / "snaps"))
    changed = [dict(row) for row in sst2_rows]
    changed[3]["sentence"] = str(changed[3]["sentence"]) + " !"
    write_jsonl(tmp_path / "data2" / "reviews.jsonl", changed)
    shutil.copy(tmp_path / "data2" / "reviews.jsonl", data)
    second = create_snapshot(_request(data, tmp_path / "snaps"))
    assert second.content_hash != first.content_hash
    assert second.snapshot_id != first.snapshot_id
    assert not second.reused


def test_same_rows_in_every_format_hash_alike(
    sst2_rows: list[dict[str, object]], tmp_path: Path
) -> None:
    from datasets import Dataset, DatasetDict

    dataset = Dataset.from_list(sst2_rows)
    evaluation = Dataset.from_list(sst2_rows[:10])
    sources = tmp_path / "sources"
    sources.mkdir()
    dataset.to_json(sources / "d.jsonl")
    dataset.to_csv(sources / "d.csv", index=False)
    dataset.to_csv(sources / "d.tsv", index=False, sep="\t")
    dataset.to_parquet(sources / "d.parquet")
    folder = sources / "folder"
    folder.mkdir()
    dataset.to_csv(folder / "train.csv", index=False)
    evaluation.to_csv(folder / "dev.csv", index=False)
    DatasetDict({"train": dataset, "validation": evaluation}).save_to_disk(sources / "saved")
    root = tmp_path / "snaps"
    single = [
        create_snapshot(_request(sources / name, root, seed=3))
        for name in ("d.jsonl", "d.csv", "d.tsv", "d.parquet")
    ]
    assert {r.eval_split for r in single} == {"holdout"}
    assert len({r.content_hash for r in single}) == 1
    assert len({r.snapshot_id for r in single}) == 4
    assert single[0].num_train_rows + single[0].num_eval_rows == 60
    from_folder = create_snapshot(_request(folder, root))
    from_saved = create_snapshot(_request(sources / "saved", root))
    assert from_folder.eval_split == "dev"
    assert from_saved.eval_split == "validation"
    assert from_folder.content_hash == from_saved.content_hash
    assert (from_saved.num_train_rows, from_saved.num_eval_rows) == (60, 10)


def test_explicit_and_missing_splits(shared_data: Path, tmp_path: Path) -> None:
    trec = create_snapshot(
        _request(shared_data / "trec", tmp_path, eval_split="test", max_train_samples=20)
    )
    assert (trec.eval_split, trec.num_eval_rows) == ("test", 500)
    with pytest.raises(ApplicationError) as info:
        create_snapshot(_request(shared_data / "trec", tmp_path, eval_split="validation"))
    assert info.value.type == SPLIT_NOT_FOUND
    assert info.value.non_retryable
    assert "test, train" in info.value.message


def test_unknown_hub_id_is_not_found_offline(tmp_path: Path) -> None:
    with pytest.raises(ApplicationError) as info:
        create_snapshot(_request("no-such-user/no-such-dataset", tmp_path))
    assert info.value.type == DATASET_NOT_FOUND
    assert "hub" in info.value.message


def test_interrupted_write_is_not_reused(
    sst2_rows: list[dict[str, object]], tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "reviews.jsonl", sst2_rows)
    root = tmp_path / "snaps"
    first = create_snapshot(_request(data, root))
    folder = Path(first.path)
    (folder / METADATA_FILE).unlink()
    with (folder / TRAIN_FILE).open("r+") as handle:
        handle.truncate(100)
    crashed = root / f".tmp-{first.snapshot_id}-crashed"
    crashed.mkdir()
    long_ago = root / ".tmp-long-ago"
    long_ago.mkdir()
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(long_ago, (two_days_ago, two_days_ago))
    again = create_snapshot(_request(data, root))
    assert not again.reused
    assert again.snapshot_id == first.snapshot_id
    assert len(read_rows(folder / TRAIN_FILE)) == first.num_train_rows
    assert crashed.is_dir()
    assert not long_ago.exists()
    truncated_metadata = json.loads((folder / METADATA_FILE).read_text())
    with (folder / EVAL_FILE).open("a") as handle:
        handle.write('{"sentence": "half')
    assert create_snapshot(_request(data, root)).reused is False
    assert (
        json.loads((folder / METADATA_FILE).read_text())["content_hash"]
        == (truncated_metadata["content_hash"])
    )


def test_concurrent_identical_requests_make_one_snapshot(
    sst2_rows: list[dict[str, object]], tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "reviews.jsonl", sst2_rows * 20)
    root = tmp_path / "snaps"
    request = _request(data, root)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results: list[DatasetSnapshotResult] = list(
            pool.map(lambda _: create_snapshot(request), range(4))
        )
    assert len({r.snapshot_id for r in results}) == 1
    assert sum(not r.reused for r in results) >= 1
    assert [p.name for p in root.iterdir()] == [results[0].snapshot_id]
    assert len(read_rows(Path(results[0].path) / TRAIN_FILE)) == results[0].num_train_rows


def test_make_snapshot_fixture_reuses(
    make_snapshot: Callable[..., DatasetSnapshotResult], shared_data: Path
) -> None:
    first = make_snapshot(shared_data / "sst2")
    assert make_snapshot(shared_data / "sst2").snapshot_id == first.snapshot_id
