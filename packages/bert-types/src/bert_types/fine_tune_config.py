"""``BertFineTuneConfig``: one experiment's model, data and hyperparameters."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bert_types.execution import ExecutionPolicy
from bert_types.names import DEFAULT_ARTIFACT_ROOT, DEFAULT_SNAPSHOT_ROOT
from bert_types.run_id import RunId


class TaskType(StrEnum):
    """What the label column holds: ``auto`` infers it from the label dtype."""

    AUTO = "auto"
    CLASSIFICATION = "classification"
    REGRESSION = "regression"


class MixedPrecision(StrEnum):
    """Mixed precision on GPU: ``auto`` picks bf16 where supported, else fp16; CPU is fp32."""

    AUTO = "auto"
    NO = "no"
    FP16 = "fp16"
    BF16 = "bf16"


class BertFineTuneConfig(BaseModel):
    """One fine-tuning experiment: model, dataset, schema hints and hyperparameters."""

    model_config = ConfigDict(extra="forbid")

    model_name: str = Field(
        "bert-base-uncased", min_length=1, description="Hugging Face hub id or local model folder."
    )
    dataset_name: str = Field(
        ...,
        min_length=1,
        description="Hub id (e.g. 'glue'), a csv/tsv/jsonl/parquet file, a folder of split files "
        "or a save_to_disk folder.",
    )
    dataset_config_name: str | None = Field(None, description="Hub config, e.g. 'sst2'.")
    train_split: str = Field("train", min_length=1)
    eval_split: str | None = Field(
        None,
        min_length=1,
        description="Evaluation split; default: 'validation' or 'dev' when present, else a "
        "seeded hold-out of the training split.",
    )
    holdout_fraction: float = Field(
        0.1, gt=0, lt=1, description="Share of train held out when there is no eval split."
    )
    num_epochs: float = Field(3.0, gt=0, le=1000)
    max_steps: int | None = Field(
        None, ge=1, description="Stop after this many optimizer steps (overrides num_epochs)."
    )
    batch_size: int = Field(16, ge=1, le=8192)
    learning_rate: float = Field(2e-5, gt=0, le=1)
    max_seq_length: int = Field(128, ge=8, le=65536)
    use_gpu: bool = Field(
        True, description="Train on CUDA when available; falls back to CPU with a warning."
    )
    max_train_samples: int | None = Field(None, ge=1)
    max_eval_samples: int | None = Field(None, ge=1)
    text_field: str | None = Field(
        None, min_length=1, description="Text column; inferred when unset."
    )
    text_pair_field: str | None = Field(
        None, min_length=1, description="Second text column for pair tasks."
    )
    label_field: str | None = Field(
        None, min_length=1, description="Label column; inferred when unset."
    )
    task_type: TaskType = TaskType.AUTO
    shuffle_before_select: bool = Field(
        True, description="Shuffle (seeded) before taking max_*_samples rows."
    )
    seed: int = Field(42, ge=0, le=2**32 - 1)
    run_id: RunId | None = Field(None, description="Names the run folder; derived when unset.")
    warmup_ratio: float = Field(0.0, ge=0, lt=1, description="Share of steps of linear warm-up.")
    weight_decay: float = Field(0.0, ge=0, le=1)
    checkpoint_steps: int | None = Field(
        None, ge=1, description="Save a checkpoint every N steps; default about twice per epoch."
    )
    save_total_limit: int = Field(2, ge=1, le=1000, description="Checkpoints kept on disk.")
    gradient_accumulation_steps: int = Field(1, ge=1, le=1024)
    mixed_precision: MixedPrecision = MixedPrecision.AUTO
    logging_steps: int = Field(10, ge=1)
    evaluate_after_training: bool = Field(
        True,
        description="Score the snapshot's eval split when training ends (the result's "
        "eval_metrics); the coordinator turns it off, as its eval child scores the run.",
    )
    artifact_root: str = Field(
        DEFAULT_ARTIFACT_ROOT, min_length=1, description="Runs are saved under <root>/<run_id>."
    )
    snapshot_root: str = Field(DEFAULT_SNAPSHOT_ROOT, min_length=1)
    execution: ExecutionPolicy = Field(default_factory=ExecutionPolicy)

    @model_validator(mode="after")
    def _pair_differs_from_text(self) -> "BertFineTuneConfig":
        if self.text_field is not None and self.text_field == self.text_pair_field:
            raise ValueError(
                f"text_pair_field must differ from text_field (both are {self.text_field!r})"
            )
        return self
