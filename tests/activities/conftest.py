"""Fixtures of the activity tests: small real snapshots and tiny-BERT requests."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bert_types import (
    BertFineTuneConfig,
    BertFineTuneRequest,
    DatasetSnapshotRequest,
    DatasetSnapshotResult,
)


@pytest.fixture(scope="session")
def snapshot_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One snapshot root for the session: identical requests reuse their snapshot."""
    return tmp_path_factory.mktemp("snapshots")


@pytest.fixture(scope="session")
def make_snapshot(snapshot_root: Path) -> Callable[..., DatasetSnapshotResult]:
    """Create (or reuse) a snapshot of ``dataset_name`` with small default sample sizes."""
    from bert_activities.snapshot import create_snapshot

    def make(dataset_name: str | Path, **fields: Any) -> DatasetSnapshotResult:
        fields.setdefault("max_train_samples", 96)
        fields.setdefault("max_eval_samples", 32)
        request = DatasetSnapshotRequest(
            dataset_name=str(dataset_name), snapshot_root=str(snapshot_root), **fields
        )
        return create_snapshot(request)

    return make


@pytest.fixture(scope="session")
def tiny_request(
    tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., BertFineTuneRequest]:
    """A fast fine-tune request of the tiny BERT on ``snapshot``; fields override the config."""
    runs = tmp_path_factory.mktemp("runs")

    def make(
        snapshot: DatasetSnapshotResult,
        run_id: str,
        output_dir: Path | None = None,
        **fields: Any,
    ) -> BertFineTuneRequest:
        settings: dict[str, Any] = {
            "model_name": str(tiny_model_dir),
            "dataset_name": snapshot.source,
            "num_epochs": 1,
            "batch_size": 16,
            "learning_rate": 1e-3,
            "max_seq_length": 64,
            "logging_steps": 2,
        }
        settings.update(fields)
        resume = settings.pop("resume_from_checkpoint", None)
        return BertFineTuneRequest(
            run_id=run_id,
            config=BertFineTuneConfig(**settings),
            snapshot=snapshot,
            output_dir=str(output_dir or runs / run_id),
            resume_from_checkpoint=resume,
        )

    return make


@pytest.fixture(scope="session")
def sst2_snapshot(
    shared_data: Path, make_snapshot: Callable[..., DatasetSnapshotResult]
) -> DatasetSnapshotResult:
    """96 train / 32 eval rows of SST-2."""
    return make_snapshot(shared_data / "sst2")


@pytest.fixture(scope="session")
def trained_sst2_run(
    sst2_snapshot: DatasetSnapshotResult, tiny_request: Callable[..., BertFineTuneRequest]
) -> Any:
    """A completed tiny-BERT SST-2 run (shared by eval and inference tests)."""
    from bert_activities.training import fine_tune

    return fine_tune(tiny_request(sst2_snapshot, "tiny-sst2"))


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write ``rows`` as JSONL to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The first ``limit`` rows of a JSONL file."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if limit is not None and len(rows) >= limit:
                break
            rows.append(json.loads(line))
    return rows
