"""Short timeouts and tiny runs that keep every fault test to seconds."""

from pathlib import Path

from bert_types.execution import ExecutionPolicy
from bert_types.fine_tune_config import BertFineTuneConfig

HEARTBEAT_TIMEOUT_S = 3.0
"""A killed worker is declared lost after this long."""

FAST_POLICY = ExecutionPolicy(
    snapshot_timeout_s=120.0,
    snapshot_max_attempts=3,
    fine_tune_timeout_s=600.0,
    fine_tune_max_attempts=4,
    heartbeat_timeout_s=HEARTBEAT_TIMEOUT_S,
    eval_timeout_s=120.0,
    eval_max_attempts=3,
    retry_initial_interval_s=0.5,
    progress_interval_s=0.5,
)


def tiny_config(
    run_id: str,
    *,
    model_dir: Path,
    dataset: Path,
    artifact_root: Path,
    snapshot_root: Path,
    **overrides: object,
) -> BertFineTuneConfig:
    """A tiny-BERT fine-tune on a small dataset folder: CPU, short sequences, a few steps."""
    fields: dict[str, object] = {
        "run_id": run_id,
        "model_name": str(model_dir),
        "dataset_name": str(dataset),
        "max_steps": 10,
        "batch_size": 8,
        "learning_rate": 1e-3,
        "max_seq_length": 32,
        "checkpoint_steps": 5,
        "save_total_limit": 3,
        "logging_steps": 1,
        "max_train_samples": 256,
        "max_eval_samples": 32,
        "use_gpu": False,
        "artifact_root": str(artifact_root),
        "snapshot_root": str(snapshot_root),
        "execution": FAST_POLICY,
    }
    fields.update(overrides)
    return BertFineTuneConfig.model_validate(fields)
