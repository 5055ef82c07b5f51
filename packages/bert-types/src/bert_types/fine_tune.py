"""Input and output of the ``fine_tune_bert`` activity."""

from pydantic import BaseModel, ConfigDict, Field

from bert_types.checkpoint import CheckpointInfo
from bert_types.fine_tune_config import BertFineTuneConfig, TaskType
from bert_types.run_id import RunId
from bert_types.snapshot import DatasetSnapshotResult


class BertFineTuneRequest(BaseModel):
    """Fine-tune ``config`` on ``snapshot``, resuming from the newest known checkpoint."""

    model_config = ConfigDict(extra="forbid")

    run_id: RunId
    config: BertFineTuneConfig
    snapshot: DatasetSnapshotResult
    output_dir: str = Field(..., min_length=1, description="The run folder, <root>/<run_id>.")
    resume_from_checkpoint: CheckpointInfo | None = Field(
        None, description="Latest checkpoint the workflow was told of; newer ones on disk win."
    )


class BertFineTuneResult(BaseModel):
    """A completed fine-tuning run."""

    run_id: str
    model_name: str
    dataset_name: str
    model_path: str
    snapshot_id: str
    snapshot_path: str | None = Field(
        None, description="Folder of the snapshot trained on (filled in by the training workflow)."
    )
    task_type: TaskType
    num_labels: int
    label_names: list[str] = Field(default_factory=list)
    text_field: str
    text_pair_field: str | None = None
    label_field: str
    train_loss: float | None = None
    eval_metrics: dict[str, float] = Field(default_factory=dict)
    num_train_samples: int
    num_eval_samples: int
    num_parameters: int
    global_step: int
    total_steps: int
    epochs_completed: float
    checkpoints_saved: list[CheckpointInfo] = Field(default_factory=list)
    resumed_from: CheckpointInfo | None = None
    train_runtime_s: float
    train_samples_per_s: float
    total_runtime_s: float
    device: str
    mixed_precision: str
