"""Input of the coordinator: many experiment configs, each trained then evaluated."""

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bert_types.checkpoint import TrainingProgress
from bert_types.evaluation import BertEvalRequest, BertEvalResult
from bert_types.execution import ExecutionPolicy
from bert_types.fine_tune_config import BertFineTuneConfig
from bert_types.names import DEFAULT_ARTIFACT_ROOT, DEFAULT_SNAPSHOT_ROOT
from bert_types.run_id import RunId


class CoordinatorWorkflowConfig(BaseModel):
    """One experiment: a fine-tune config and (optionally) how to evaluate it."""

    model_config = ConfigDict(extra="forbid")

    run_id: RunId | None = Field(
        None, description="Canonical run id; else the fine-tune config's, else derived."
    )
    fine_tune: BertFineTuneConfig
    eval: BertEvalRequest | None = Field(
        None, description="Default: the eval split of the run's own snapshot."
    )

    @model_validator(mode="after")
    def _consistent_run_ids(self) -> "CoordinatorWorkflowConfig":
        nested = {"fine_tune.run_id": self.fine_tune.run_id}
        if self.eval is not None:
            nested["eval.run_id"] = self.eval.run_id
        canonical = self.run_id or self.fine_tune.run_id
        for field, value in nested.items():
            if canonical is not None and value is not None and value != canonical:
                raise ValueError(
                    f"{field} is {value!r} but this config's run_id is {canonical!r}; "
                    "set run_id once (or make them equal)"
                )
        return self


class CoordinatorWorkflowInput(BaseModel):
    """An experiment file: configs to train in parallel and evaluate, one result each."""

    model_config = ConfigDict(extra="forbid")

    experiment_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Workflow id of the coordinator; generated when unset.",
    )
    configs: list[CoordinatorWorkflowConfig] = Field(..., min_length=1)
    artifact_root: str | None = Field(
        None,
        min_length=1,
        description=f"Overrides every config's artifact_root (default {DEFAULT_ARTIFACT_ROOT}).",
    )
    snapshot_root: str | None = Field(
        None,
        min_length=1,
        description=f"Overrides every config's snapshot_root (default {DEFAULT_SNAPSHOT_ROOT}).",
    )
    max_concurrent_trainings: int | None = Field(None, ge=1, le=10_000)
    execution: ExecutionPolicy | None = Field(
        None, description="Overrides every config's timeouts and retry bounds."
    )
    training_task_queue: str | None = Field(
        None,
        min_length=1,
        description="Task queue of the training children (default bert-training-task-queue); "
        "set it when the fleets run with BERT_TRAINING_TASK_QUEUE.",
    )
    eval_task_queue: str | None = Field(
        None,
        min_length=1,
        description="Task queue of the eval children (default: the coordinator's own queue).",
    )

    @model_validator(mode="after")
    def _unique_run_ids(self) -> "CoordinatorWorkflowInput":
        seen: dict[str, int] = {}
        for index, entry in enumerate(self.configs):
            run_id = (
                entry.run_id
                or entry.fine_tune.run_id
                or (entry.eval.run_id if entry.eval is not None else None)
            )
            if run_id is None:
                continue
            if run_id in seen:
                raise ValueError(
                    f"configs[{index}] repeats run_id {run_id!r} of configs[{seen[run_id]}]; "
                    "run ids must be unique within an experiment"
                )
            seen[run_id] = index
        return self


class ExperimentProgress(BaseModel):
    """What the coordinator knows of every config, in input order."""

    experiment_id: str
    runs: list[TrainingProgress]
    results: list[BertEvalResult] = Field(default_factory=list)
    training_workflow_ids: list[str] = Field(
        default_factory=list,
        description="Workflow id of each config's training child, in input order; query it "
        "(get_progress, get_latest_checkpoint) for live step, loss and checkpoints.",
    )
    eval_workflow_ids: list[str] = Field(
        default_factory=list, description="Workflow id of each config's eval child."
    )
