"""fine_tune on real data with a tiny BERT: schemas, run folder, idempotency, resume, promotion."""

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bert_activities.run_folder import COMPLETION_MARKER_FILE, RUN_INFO_FILE
from bert_activities.training import fine_tune
from bert_activities.training_reporter import TrainingReporter
from bert_types import (
    BertFineTuneRequest,
    CheckpointInfo,
    DatasetSnapshotResult,
    TaskType,
    TrainingProgress,
)
from bert_types.errors import CHECKPOINT_MISMATCH
from temporalio.exceptions import ApplicationError

from tests.activities.conftest import read_jsonl, write_jsonl


class RecordingReporter(TrainingReporter):
    """Keeps every progress report."""

    def __init__(self) -> None:
        super().__init__()
        self.reports: list[TrainingProgress] = []

    def progress(self, progress: TrainingProgress) -> None:
        super().progress(progress)
        self.reports.append(progress)


def test_single_text_run_folder_and_result(trained_sst2_run: Any) -> None:
    result = trained_sst2_run
    run_dir = Path(result.model_path)
    assert result.task_type == TaskType.CLASSIFICATION
    assert (result.text_field, result.text_pair_field, result.label_field) == (
        "sentence",
        None,
        "label",
    )
    assert (result.num_labels, result.label_names) == (2, ["0", "1"])
    assert (result.num_train_samples, result.num_eval_samples) == (96, 32)
    assert result.global_step == result.total_steps == 6
    assert result.epochs_completed == pytest.approx(1.0)
    assert [c.step for c in result.checkpoints_saved] == [3, 6]
    assert result.checkpoints_saved[-1].path == str(run_dir / "checkpoint-6")
    assert set(result.eval_metrics) >= {"accuracy", "f1_macro", "precision_macro", "f1_0", "f1_1"}
    assert result.device == "cpu"
    assert result.mixed_precision == "fp32"
    assert result.train_samples_per_s > 0
    for name in ("config.json", "model.safetensors", "tokenizer.json", RUN_INFO_FILE):
        assert (run_dir / name).is_file(), name
    config = json.loads((run_dir / "config.json").read_text())
    assert config["id2label"] == {"0": "0", "1": "1"}
    info = json.loads((run_dir / RUN_INFO_FILE).read_text())
    assert info["text_field"] == "sentence"
    assert info["snapshot_id"] == result.snapshot_id
    marker = json.loads((run_dir / COMPLETION_MARKER_FILE).read_text())
    assert marker["result"]["global_step"] == 6


def test_sentence_pairs(
    shared_data: Path,
    make_snapshot: Callable[..., DatasetSnapshotResult],
    tiny_request: Callable[..., BertFineTuneRequest],
) -> None:
    snapshot = make_snapshot(shared_data / "rte", max_train_samples=48, max_eval_samples=16)
    result = fine_tune(tiny_request(snapshot, "tiny-rte"))
    assert (result.text_field, result.text_pair_field) == ("sentence1", "sentence2")
    assert result.num_labels == 2
    assert result.global_step == 3


def test_string_labels_multiclass(
    shared_data: Path,
    make_snapshot: Callable[..., DatasetSnapshotResult],
    tiny_request: Callable[..., BertFineTuneRequest],
) -> None:
    snapshot = make_snapshot(shared_data / "trec", eval_split="test", max_train_samples=64)
    result = fine_tune(tiny_request(snapshot, "tiny-trec"))
    assert result.label_names == ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"]
    assert result.num_labels == 6
    assert result.text_field == "text"
    config = json.loads((Path(result.model_path) / "config.json").read_text())
    assert config["label2id"] == {name: i for i, name in enumerate(result.label_names)}
    assert "f1_HUM" in result.eval_metrics


def test_float_labels_make_a_regression(
    shared_data: Path,
    tmp_path: Path,
    make_snapshot: Callable[..., DatasetSnapshotResult],
    tiny_request: Callable[..., BertFineTuneRequest],
) -> None:
    rows = read_jsonl(shared_data / "sst2" / "train.jsonl", limit=80)
    scored = [
        {"review": row["sentence"], "score": round(row["label"] * 4.0 + (i % 5) * 0.2, 2)}
        for i, row in enumerate(rows)
    ]
    data = write_jsonl(tmp_path / "scores.jsonl", scored)
    snapshot = make_snapshot(data, max_train_samples=None, max_eval_samples=None)
    result = fine_tune(tiny_request(snapshot, "tiny-regression"))
    assert result.task_type == TaskType.REGRESSION
    assert (result.text_field, result.label_field, result.num_labels) == ("review", "score", 1)
    assert set(result.eval_metrics) == {"mse", "rmse", "pearson", "spearman"}
    assert math.isclose(result.eval_metrics["rmse"] ** 2, result.eval_metrics["mse"])


def test_completed_run_is_returned_without_training(
    sst2_snapshot: DatasetSnapshotResult, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    request = tiny_request(sst2_snapshot, "tiny-idempotent")
    first = fine_tune(request)
    run_dir = Path(first.model_path)
    weights = run_dir / "model.safetensors"
    stamp = weights.stat().st_mtime_ns
    reporter = RecordingReporter()
    again = fine_tune(request, reporter)
    assert again == first
    assert reporter.reports == []
    assert weights.stat().st_mtime_ns == stamp
    (run_dir / COMPLETION_MARKER_FILE).unlink()
    after_crash = fine_tune(request, reporter)
    assert after_crash.global_step == first.global_step
    assert after_crash.resumed_from is not None
    assert after_crash.resumed_from.step == first.global_step
    assert after_crash.checkpoints_saved == []
    assert (run_dir / COMPLETION_MARKER_FILE).is_file()


def test_promotion_continues_from_newest_checkpoint(
    sst2_snapshot: DatasetSnapshotResult, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    first = fine_tune(tiny_request(sst2_snapshot, "tiny-promote"))
    run_dir = Path(first.model_path)
    incomplete = run_dir / "checkpoint-99"
    incomplete.mkdir()
    (incomplete / "model.safetensors").write_bytes(b"")
    older = first.checkpoints_saved[0]
    reporter = RecordingReporter()
    promoted = fine_tune(
        tiny_request(sst2_snapshot, "tiny-promote", num_epochs=2, resume_from_checkpoint=older),
        reporter,
    )
    assert promoted.resumed_from is not None
    assert promoted.resumed_from.step == first.global_step == 6
    assert promoted.global_step == promoted.total_steps == 12
    steps = [r.step for r in reporter.reports if r.phase == "training"]
    assert steps[0] == 6
    assert steps[1] == 7
    assert [c.step for c in promoted.checkpoints_saved] == [9, 12]


def test_resume_with_other_label_count_fails(
    shared_data: Path,
    sst2_snapshot: DatasetSnapshotResult,
    make_snapshot: Callable[..., DatasetSnapshotResult],
    tiny_request: Callable[..., BertFineTuneRequest],
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / "shared-run"
    fine_tune(tiny_request(sst2_snapshot, "tiny-mismatch", output_dir=run_dir, max_steps=2))
    trec = make_snapshot(shared_data / "trec", eval_split="test", max_train_samples=32)
    with pytest.raises(ApplicationError) as info:
        fine_tune(tiny_request(trec, "tiny-mismatch", output_dir=run_dir, max_steps=4))
    assert info.value.type == CHECKPOINT_MISMATCH
    assert info.value.non_retryable
    assert "2 labels" in info.value.message
    assert "6" in info.value.message


def test_stop_request_saves_a_checkpoint(
    sst2_snapshot: DatasetSnapshotResult, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    from bert_activities.training_reporter import TrainingStopped

    class StopAtStepTwo(RecordingReporter):
        def progress(self, progress: TrainingProgress) -> None:
            super().progress(progress)
            if progress.step >= 2:
                self.request_stop("test")

    request = tiny_request(sst2_snapshot, "tiny-stop", checkpoint_steps=100)
    with pytest.raises(TrainingStopped) as info:
        fine_tune(request, StopAtStepTwo())
    checkpoint = info.value.checkpoint
    assert isinstance(checkpoint, CheckpointInfo)
    assert checkpoint.step == 2
    assert (Path(checkpoint.path) / "trainer_state.json").is_file()
    assert not (Path(request.output_dir) / COMPLETION_MARKER_FILE).exists()
    resumed = fine_tune(request)
    assert resumed.resumed_from is not None
    assert resumed.resumed_from.step == 2
    assert resumed.global_step == 6


def test_crash_after_the_last_checkpoint_adds_no_step(
    sst2_snapshot: DatasetSnapshotResult, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    request = tiny_request(sst2_snapshot, "tiny-last-ckpt", max_steps=4, checkpoint_steps=2)
    first = fine_tune(request)
    assert first.global_step == 4
    run_dir = Path(first.model_path)
    (run_dir / COMPLETION_MARKER_FILE).unlink()
    again = fine_tune(request)
    assert again.resumed_from is not None
    assert again.resumed_from.step == 4
    assert again.global_step == again.total_steps == 4
    assert again.checkpoints_saved == []
    assert again.eval_metrics == first.eval_metrics
