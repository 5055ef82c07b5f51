"""The system side without Temporal: bert_activities' cores (snapshot, fine-tune) called in-process.

Used where a benchmark compares the activity cores themselves (checkpoint cost, inference) and to
make a completed run folder that eval and inference accept.
"""

from pathlib import Path
from typing import Any

from bert_types import BertFineTuneConfig, BertFineTuneRequest, BertFineTuneResult


def fine_tune_config(model_dir: Path, dataset_dir: Path, root: Path, **overrides: Any) -> Any:
    """A CPU ``BertFineTuneConfig``: ``model_dir`` on ``dataset_dir``, roots under ``root``."""
    settings: dict[str, Any] = {
        "model_name": str(model_dir),
        "dataset_name": str(dataset_dir),
        "use_gpu": False,
        "artifact_root": str(root / "runs"),
        "snapshot_root": str(root / "snapshots"),
        **overrides,
    }
    return BertFineTuneConfig(**settings)


def train_in_process(config: BertFineTuneConfig, run_id: str) -> BertFineTuneResult:
    """Snapshot then fine-tune ``config`` with the activity cores, in this process."""
    from bert_activities.snapshot import create_snapshot
    from bert_activities.training import fine_tune
    from bert_workflows.training import snapshot_request

    snapshot = create_snapshot(snapshot_request(config))
    request = BertFineTuneRequest(
        run_id=run_id,
        config=config.model_copy(update={"run_id": run_id}),
        snapshot=snapshot,
        output_dir=str(Path(config.artifact_root) / run_id),
    )
    return fine_tune(request)
