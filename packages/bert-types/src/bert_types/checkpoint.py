"""``CheckpointInfo`` and training progress, reported from the fine-tune activity."""

from enum import StrEnum

from pydantic import BaseModel, Field


class CheckpointInfo(BaseModel):
    """A complete checkpoint on disk. Higher ``step`` is newer."""

    run_id: str
    step: int = Field(..., ge=0)
    path: str
    epoch: float = 0.0
    num_labels: int | None = None
    loss: float | None = None


class TrainingPhase(StrEnum):
    """Where a run is in its life."""

    PENDING = "pending"
    SNAPSHOTTING = "snapshotting"
    TRAINING = "training"
    EVALUATING = "evaluating"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class TrainingProgress(BaseModel):
    """A run's progress as its workflow knows it."""

    run_id: str
    phase: TrainingPhase = TrainingPhase.PENDING
    step: int = 0
    total_steps: int | None = None
    epoch: float = 0.0
    loss: float | None = None
    learning_rate: float | None = None
    samples_per_s: float | None = None
    elapsed_s: float | None = Field(None, description="Seconds of training in this attempt.")
    attempt: int = 1
    last_checkpoint: CheckpointInfo | None = None
    metrics: dict[str, float] = Field(default_factory=dict, description="Latest eval metrics.")
    error: str | None = None
