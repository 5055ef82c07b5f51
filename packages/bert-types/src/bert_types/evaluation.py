"""Input and output of evaluating a fine-tuned run on a dataset split."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bert_types.execution import ExecutionPolicy
from bert_types.fine_tune import BertFineTuneResult
from bert_types.fine_tune_config import TaskType
from bert_types.names import DEFAULT_ARTIFACT_ROOT
from bert_types.run_id import RunId


class RunStatus(StrEnum):
    """Outcome of one config of an experiment."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class BertEvalRequest(BaseModel):
    """Evaluate a fine-tuned run on a split of a dataset (by default the run's own eval split)."""

    model_config = ConfigDict(extra="forbid")

    run_id: RunId | None = None
    model_path: str | None = Field(
        None, min_length=1, description="Default: <artifact_root>/<run_id>."
    )
    artifact_root: str = Field(DEFAULT_ARTIFACT_ROOT, min_length=1)
    dataset_name: str | None = Field(
        None,
        min_length=1,
        description="Default: the eval split of the snapshot the run was trained on.",
    )
    dataset_config_name: str | None = None
    split: str | None = Field(None, min_length=1, description="Default: 'validation', else 'test'.")
    snapshot_path: str | None = Field(
        None, min_length=1, description="Evaluate the eval split of this snapshot folder."
    )
    max_eval_samples: int | None = Field(None, ge=1)
    shuffle_before_select: bool = True
    seed: int = Field(42, ge=0, le=2**32 - 1)
    text_field: str | None = None
    text_pair_field: str | None = None
    label_field: str | None = None
    batch_size: int = Field(64, ge=1, le=8192)
    execution: ExecutionPolicy = Field(default_factory=ExecutionPolicy)

    @model_validator(mode="after")
    def _check(self) -> "BertEvalRequest":
        if self.run_id is None and self.model_path is None:
            raise ValueError(
                "BertEvalRequest needs run_id or model_path (both are unset): "
                "name the run to evaluate or the folder of its model"
            )
        return self


class BertEvalResult(BaseModel):
    """Metrics of one run; in a coordinator result, also how the config ended."""

    run_id: str
    status: RunStatus = RunStatus.SUCCEEDED
    error: str | None = Field(None, description="Why the config failed, when it did.")
    error_type: str | None = None
    model_path: str | None = None
    model_name: str | None = None
    dataset_name: str | None = None
    split: str | None = None
    task_type: TaskType | None = None
    accuracy: float | None = Field(None, description="Classification accuracy.")
    metrics: dict[str, float] = Field(
        default_factory=dict,
        description="accuracy, f1_macro, precision_macro, recall_macro, f1_<class>; or mse, "
        "rmse, pearson, spearman for regression.",
    )
    num_samples: int = 0
    duration_s: float = 0.0
    training: BertFineTuneResult | None = None
