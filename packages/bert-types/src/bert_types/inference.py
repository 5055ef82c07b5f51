"""Input and output of batched inference on a fine-tuned run."""

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bert_types.execution import ExecutionPolicy
from bert_types.fine_tune_config import TaskType
from bert_types.names import DEFAULT_ARTIFACT_ROOT
from bert_types.run_id import RunId

MAX_TEXT_CHARS = 1_000_000
"""Longest single text accepted for inference (about 1 MB); longer input is rejected."""


class BertInferenceRequest(BaseModel):
    """Predict labels (or values) for ``texts`` with the model of ``run_id`` or ``model_path``."""

    model_config = ConfigDict(extra="forbid")

    run_id: RunId | None = None
    model_path: str | None = Field(
        None, min_length=1, description="Default: <artifact_root>/<run_id>."
    )
    artifact_root: str = Field(DEFAULT_ARTIFACT_ROOT, min_length=1)
    texts: list[str] = Field(..., min_length=1, max_length=1_000_000)
    text_pairs: list[str] | None = None
    batch_size: int = Field(32, ge=1, le=8192)
    max_seq_length: int | None = Field(None, ge=8, le=65536)
    execution: ExecutionPolicy = Field(default_factory=ExecutionPolicy)

    @model_validator(mode="after")
    def _check(self) -> "BertInferenceRequest":
        if self.run_id is None and self.model_path is None:
            raise ValueError(
                "BertInferenceRequest needs run_id or model_path (both are unset): "
                "name the run to predict with or the folder of its model"
            )
        for index, text in enumerate(self.texts):
            if len(text) > MAX_TEXT_CHARS:
                raise ValueError(
                    f"texts[{index}] has {len(text):,} characters, above the limit of "
                    f"{MAX_TEXT_CHARS:,}; split or truncate it"
                )
        if self.text_pairs is not None and len(self.text_pairs) != len(self.texts):
            raise ValueError(
                f"text_pairs has {len(self.text_pairs)} items but texts has {len(self.texts)}"
            )
        return self


class BertInferenceResult(BaseModel):
    """Predictions in input order: labels and confidences, or values for regression."""

    run_id: str | None = None
    model_path: str
    task_type: TaskType
    label_ids: list[int] | None = None
    label_names: list[str] | None = None
    confidences: list[float] | None = None
    values: list[float] | None = None
    num_texts: int
    duration_s: float
    samples_per_s: float
