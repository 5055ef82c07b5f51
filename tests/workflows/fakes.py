"""Stand-in results for workflow unit tests whose activities are mocked under their real names."""

from datetime import UTC, datetime

from bert_types import (
    BertEvalRequest,
    BertEvalResult,
    BertFineTuneRequest,
    BertFineTuneResult,
    DatasetSnapshotRequest,
    DatasetSnapshotResult,
    TaskType,
)


def snapshot_result(request: DatasetSnapshotRequest) -> DatasetSnapshotResult:
    """A snapshot result naming the request's dataset."""
    snapshot_id = f"snap-{abs(hash(request.dataset_name)) % 10_000}"
    return DatasetSnapshotResult(
        snapshot_id=snapshot_id,
        path=f"{request.snapshot_root}/{snapshot_id}",
        content_hash="0" * 16,
        source=request.dataset_name,
        train_split=request.train_split,
        eval_split="validation",
        num_train_rows=8,
        num_eval_rows=4,
        columns=["sentence", "label"],
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def fine_tune_result(request: BertFineTuneRequest, global_step: int = 4) -> BertFineTuneResult:
    """A completed run of ``request``."""
    return BertFineTuneResult(
        run_id=request.run_id,
        model_name=request.config.model_name,
        dataset_name=request.config.dataset_name,
        model_path=request.output_dir,
        snapshot_id=request.snapshot.snapshot_id,
        task_type=TaskType.CLASSIFICATION,
        num_labels=2,
        label_names=["0", "1"],
        text_field="sentence",
        label_field="label",
        train_loss=0.5,
        num_train_samples=8,
        num_eval_samples=4,
        num_parameters=1000,
        global_step=global_step,
        total_steps=global_step,
        epochs_completed=1.0,
        resumed_from=request.resume_from_checkpoint,
        train_runtime_s=0.1,
        train_samples_per_s=80.0,
        total_runtime_s=0.2,
        device="cpu",
        mixed_precision="no",
    )


def eval_result(request: BertEvalRequest) -> BertEvalResult:
    """Metrics for ``request``, echoing where it looked (so tests can check normalisation)."""
    return BertEvalResult(
        run_id=request.run_id or "",
        model_path=request.model_path,
        dataset_name=request.snapshot_path or request.dataset_name,
        split="validation",
        task_type=TaskType.CLASSIFICATION,
        accuracy=0.75,
        metrics={"accuracy": 0.75},
        num_samples=4,
    )
