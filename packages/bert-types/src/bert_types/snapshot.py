"""Dataset snapshot request and result: an immutable, content-hashed copy of the data used."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from bert_types.names import DEFAULT_SNAPSHOT_ROOT


class DatasetSnapshotRequest(BaseModel):
    """Load a dataset, subsample it reproducibly and freeze it under ``snapshot_root``."""

    model_config = ConfigDict(extra="forbid")

    dataset_name: str = Field(..., min_length=1)
    dataset_config_name: str | None = None
    train_split: str = Field("train", min_length=1)
    eval_split: str | None = Field(None, min_length=1)
    holdout_fraction: float = Field(0.1, gt=0, lt=1)
    max_train_samples: int | None = Field(None, ge=1)
    max_eval_samples: int | None = Field(None, ge=1)
    shuffle_before_select: bool = True
    seed: int = Field(42, ge=0, le=2**32 - 1)
    snapshot_root: str = Field(DEFAULT_SNAPSHOT_ROOT, min_length=1)


class DatasetSnapshotResult(BaseModel):
    """Where a snapshot lies and what it holds."""

    snapshot_id: str
    path: str = Field(..., description="Folder holding train.jsonl, eval.jsonl, metadata.json.")
    content_hash: str
    source: str = Field(..., description="Dataset identity: hub id and config, or resolved path.")
    train_split: str = Field(..., description="Source split the train rows came from.")
    eval_split: str = Field(..., description="Source split of the eval rows, or 'holdout'.")
    num_train_rows: int
    num_eval_rows: int
    columns: list[str]
    features: dict[str, str] = Field(default_factory=dict, description="Column -> dtype name.")
    label_names: list[str] | None = Field(
        None, description="Class names when the source declares them (ClassLabel)."
    )
    created_at: datetime
    reused: bool = False
