"""Hyperparameter sweeps: a search space over ``BertFineTuneConfig`` fields, and the leaderboard.

A sweep trains one config per trial (the base config with the trial's parameters) and evaluates
it; the objective metric of that evaluation ranks the trials. Successive halving trains every
trial on a small budget, keeps the best ``1/eta`` and continues those from their own checkpoints
with an ``eta`` times larger budget, rung after rung.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bert_types.checkpoint import CheckpointInfo
from bert_types.evaluation import BertEvalRequest
from bert_types.fine_tune_config import BertFineTuneConfig

ParameterValue = str | int | float | bool | None
"""A value a searched field can take: any JSON scalar the config field accepts."""

SWEEP_EVAL_TEMPLATE_RUN_ID: Final = "sweep-trial"
"""Placeholder run id of the sweep's eval template; every trial replaces it with its own run id."""

NOT_SEARCHABLE_FIELDS: Final = frozenset({"run_id", "artifact_root", "snapshot_root", "execution"})
"""Config fields a sweep sets itself or that are not hyperparameters."""

MAX_TRIALS: Final = 1000
"""Most trials of one sweep: every trial travels in the leaderboard and in the state carried
across continue-as-new, and each of those payloads must stay well under Temporal's 2 MB limit."""


class ChoiceParameter(BaseModel):
    """One of a list of values (categorical). In YAML a bare list is shorthand for this."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["choice"] = "choice"
    values: list[ParameterValue] = Field(..., min_length=1)


class UniformParameter(BaseModel):
    """A float drawn uniformly from ``[low, high]``; a grid takes ``grid_points`` even steps."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["uniform"] = "uniform"
    low: float
    high: float
    grid_points: int | None = Field(None, ge=2, le=1000, description="Points of a grid search.")

    @model_validator(mode="after")
    def _ordered(self) -> "UniformParameter":
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class LogUniformParameter(BaseModel):
    """A positive float whose logarithm is uniform in ``[log low, log high]``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["log_uniform"] = "log_uniform"
    low: float = Field(..., gt=0)
    high: float = Field(..., gt=0)
    grid_points: int | None = Field(None, ge=2, le=1000, description="Points of a grid search.")

    @model_validator(mode="after")
    def _ordered(self) -> "LogUniformParameter":
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class IntParameter(BaseModel):
    """An integer from ``low, low + step, ..., <= high``, each equally likely."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["int"] = "int"
    low: int
    high: int
    step: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> "IntParameter":
        if not self.low <= self.high:
            raise ValueError(f"low ({self.low}) must not be above high ({self.high})")
        return self

    def values(self) -> list[int]:
        """Every value of the range, in order."""
        return list(range(self.low, self.high + 1, self.step))


SearchParameter = Annotated[
    ChoiceParameter | UniformParameter | LogUniformParameter | IntParameter,
    Field(discriminator="type"),
]
"""How one config field varies across trials."""


class SweepAlgorithm(StrEnum):
    """How trials are chosen and budgeted."""

    GRID = "grid"
    RANDOM = "random"
    SUCCESSIVE_HALVING = "successive_halving"


class ObjectiveDirection(StrEnum):
    """Whether a larger objective metric is better."""

    MAXIMIZE = "maximize"
    MINIMIZE = "minimize"


class HalvingResource(StrEnum):
    """What a successive-halving budget counts: epochs (``num_epochs``) or steps (``max_steps``)."""

    EPOCHS = "epochs"
    STEPS = "steps"


class SweepObjective(BaseModel):
    """The eval metric that ranks trials (a key of ``BertEvalResult.metrics``)."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(
        "accuracy", min_length=1, description="e.g. accuracy, f1_macro; rmse for regression."
    )
    direction: ObjectiveDirection = ObjectiveDirection.MAXIMIZE


class SuccessiveHalvingSettings(BaseModel):
    """Rung ``k`` trains its trials to ``min_budget * eta**k``; the best ``1/eta`` go on."""

    model_config = ConfigDict(extra="forbid")

    eta: int = Field(2, ge=2, le=100, description="Keep the best 1/eta of each rung.")
    resource: HalvingResource = HalvingResource.EPOCHS
    min_budget: float = Field(
        1.0, gt=0, description="Budget of rung 0: epochs, or optimizer steps (a whole number)."
    )
    max_rungs: int | None = Field(
        None, ge=1, le=64, description="Stop halving after this many rungs (default: until one)."
    )
    sampler: Literal["random", "grid"] = Field(
        "random", description="How the trials of rung 0 are chosen."
    )


class SweepConfig(BaseModel):
    """A sweep file: base config, search space, algorithm, budget and objective."""

    model_config = ConfigDict(extra="forbid")

    sweep_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Workflow id of the sweep; generated when unset. Trial run ids derive from it.",
    )
    base_config: BertFineTuneConfig = Field(
        ..., description="Every trial trains this config with the trial's parameters set."
    )
    eval: BertEvalRequest | None = Field(
        None,
        description="How trials are evaluated (default: the eval split of each run's snapshot); "
        "run_id and model_path are set per trial.",
    )
    search_space: dict[str, SearchParameter] = Field(
        ..., min_length=1, description="BertFineTuneConfig field -> how it varies."
    )
    algorithm: SweepAlgorithm = SweepAlgorithm.RANDOM
    num_trials: int | None = Field(
        None,
        ge=1,
        le=MAX_TRIALS,
        description="Trial budget: required for random; for grid, the first num_trials points.",
    )
    max_concurrent_trials: int = Field(1, ge=1, le=1000)
    objective: SweepObjective = Field(default_factory=SweepObjective)
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seeds the sampling of trials.")
    successive_halving: SuccessiveHalvingSettings | None = Field(
        None, description="Settings of algorithm successive_halving (defaults when unset)."
    )
    training_task_queue: str | None = Field(
        None, min_length=1, description="Queue of the training children (default: the standard)."
    )
    eval_task_queue: str | None = Field(
        None, min_length=1, description="Queue of the eval children (default: the sweep's own)."
    )
    max_trials_per_run: int = Field(
        100,
        ge=1,
        le=10_000,
        description="Trial trainings per workflow run before continue-as-new (history bound).",
    )

    @field_validator("search_space", mode="before")
    @classmethod
    def _bare_lists_are_choices(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                name: {"type": "choice", "values": spec} if isinstance(spec, list) else spec
                for name, spec in value.items()
            }
        return value

    @field_validator("eval", mode="before")
    @classmethod
    def _eval_is_a_template(cls, value: Any) -> Any:
        if isinstance(value, dict):
            run_id = value.get("run_id")
            if value.get("model_path") is not None or run_id not in (
                None,
                SWEEP_EVAL_TEMPLATE_RUN_ID,
            ):
                raise ValueError(
                    "eval.run_id and eval.model_path are set per trial; remove them from the sweep"
                )
            return {**value, "run_id": SWEEP_EVAL_TEMPLATE_RUN_ID}
        return value

    @model_validator(mode="after")
    def _check(self) -> "SweepConfig":
        if self.base_config.run_id is not None:
            raise ValueError(
                f"base_config.run_id is {self.base_config.run_id!r}, but every trial gets its own "
                "run id (derived from sweep_id); remove it"
            )
        halving = self.halving()
        for name, parameter in self.search_space.items():
            self.search_space[name] = _checked_parameter(name, parameter, self.base_config)
            if halving is not None and name == halving_field(halving.resource):
                raise ValueError(
                    f"search_space.{name}: successive halving sets {name} per rung; "
                    "remove it from the search space"
                )
        if halving is not None:
            if halving.resource is HalvingResource.EPOCHS and self.base_config.max_steps:
                raise ValueError(
                    "base_config.max_steps overrides num_epochs, but successive_halving.resource "
                    "is 'epochs': unset max_steps or use resource 'steps'"
                )
            if halving.resource is HalvingResource.STEPS and not halving.min_budget.is_integer():
                raise ValueError(
                    f"successive_halving.min_budget ({halving.min_budget}) counts steps and must "
                    "be a whole number"
                )
        elif self.successive_halving is not None:
            raise ValueError(
                f"successive_halving is set but algorithm is {self.algorithm.value!r}; "
                "use algorithm: successive_halving or remove it"
            )
        uses_grid = self.algorithm is SweepAlgorithm.GRID or (
            halving is not None and halving.sampler == "grid"
        )
        if uses_grid:
            _check_grid(self.search_space, self.num_trials)
        elif self.num_trials is None:
            raise ValueError(
                f"num_trials is required for random sampling (algorithm {self.algorithm.value!r})"
            )
        return self

    def halving(self) -> SuccessiveHalvingSettings | None:
        """The successive-halving settings when that is the algorithm, else ``None``."""
        if self.algorithm is not SweepAlgorithm.SUCCESSIVE_HALVING:
            return None
        return self.successive_halving or SuccessiveHalvingSettings()


def halving_field(resource: HalvingResource) -> str:
    """The config field a successive-halving budget sets."""
    return "num_epochs" if resource is HalvingResource.EPOCHS else "max_steps"


def _checked_parameter(
    name: str, parameter: SearchParameter, base: BertFineTuneConfig
) -> SearchParameter:
    """Check that ``name`` is a searchable field and every value fits it; coerce choices."""
    if name in NOT_SEARCHABLE_FIELDS or name not in BertFineTuneConfig.model_fields:
        searchable = sorted(set(BertFineTuneConfig.model_fields) - NOT_SEARCHABLE_FIELDS)
        raise ValueError(
            f"search_space.{name} is not a searchable BertFineTuneConfig field; "
            f"choose from {', '.join(searchable)}"
        )
    if isinstance(parameter, ChoiceParameter):
        return ChoiceParameter(values=[_coerced(name, value, base) for value in parameter.values])
    if isinstance(parameter, IntParameter):
        ends: list[ParameterValue] = [parameter.low, parameter.values()[-1]]
    else:
        ends = [parameter.low, parameter.high]
    coerced = [_coerced(name, value, base) for value in ends]
    if not isinstance(parameter, IntParameter) and any(isinstance(v, int) for v in coerced):
        raise ValueError(
            f"search_space.{name} holds whole numbers; use type 'int' instead of {parameter.type!r}"
        )
    return parameter


def _coerced(name: str, value: ParameterValue, base: BertFineTuneConfig) -> ParameterValue:
    """``value`` as config field ``name`` stores it (e.g. '1e-5' -> 1e-05), or a clear error."""
    try:
        config = BertFineTuneConfig.model_validate(
            {**base.model_dump(exclude_unset=True), name: value}
        )
    except ValidationError as error:
        details = "; ".join(e["msg"] for e in error.errors())
        raise ValueError(f"search_space.{name}: value {value!r} is not valid: {details}") from None
    coerced: ParameterValue = config.model_dump(mode="json")[name]
    return coerced


def _check_grid(space: dict[str, SearchParameter], num_trials: int | None) -> None:
    size = 1
    for name, parameter in space.items():
        if isinstance(parameter, UniformParameter | LogUniformParameter):
            if parameter.grid_points is None:
                raise ValueError(
                    f"search_space.{name}: a grid needs grid_points on {parameter.type!r} ranges"
                )
            size *= parameter.grid_points
        elif isinstance(parameter, IntParameter):
            size *= len(parameter.values())
        else:
            size *= len(parameter.values)
    if size > MAX_TRIALS and num_trials is None:
        raise ValueError(
            f"the grid has {size:,} points, above the {MAX_TRIALS:,} trials a sweep may hold; "
            "shrink the search space, set num_trials, or use random sampling"
        )


class SweepTrialStatus(StrEnum):
    """Where a trial is."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PRUNED = "pruned"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


FINISHED_TRIAL_STATUSES: Final = frozenset(
    {
        SweepTrialStatus.SUCCEEDED,
        SweepTrialStatus.PRUNED,
        SweepTrialStatus.FAILED,
        SweepTrialStatus.CANCELLED,
        SweepTrialStatus.SKIPPED,
    }
)
"""Statuses a trial keeps once the sweep is over (``succeeded`` may still be promoted mid-sweep)."""


class SweepRungResult(BaseModel):
    """One training + evaluation of a trial at one rung's budget (kept small: a sweep carries
    every rung of every trial across continue-as-new). Its children are
    ``<sweep id>/train/<run id>/rung-<k>`` and ``<sweep id>/eval/<run id>/rung-<k>``."""

    rung: int = Field(..., ge=0)
    budget: float = Field(..., description="Epochs or steps trained to, in total.")
    status: SweepTrialStatus
    metric: float | None = Field(None, description="The objective after this rung.")
    global_step: int | None = None
    total_steps: int | None = None
    resumed_from_step: int | None = Field(None, description="Checkpoint step training resumed at.")
    error: str | None = None
    error_type: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class SweepTrial(BaseModel):
    """A trial: its parameters, where it is, and its metric at its latest finished rung."""

    index: int = Field(..., ge=0, description="Position in sampling order.")
    run_id: str
    params: dict[str, ParameterValue]
    status: SweepTrialStatus = SweepTrialStatus.PENDING
    rung: int = Field(0, ge=0, description="Highest rung the trial was admitted to.")
    metric: float | None = Field(None, description="Objective at the latest succeeded rung.")
    metrics: dict[str, float] = Field(
        default_factory=dict, description="Every eval metric at the latest succeeded rung."
    )
    model_path: str | None = Field(None, description="The trained model folder (the run folder).")
    last_checkpoint: CheckpointInfo | None = Field(
        None, description="Newest checkpoint: where a promotion resumes."
    )
    error: str | None = None
    error_type: str | None = None
    rungs: list[SweepRungResult] = Field(default_factory=list)

    def latest_succeeded_rung(self) -> SweepRungResult | None:
        """The last rung that produced a metric, if any."""
        done = [r for r in self.rungs if r.status is SweepTrialStatus.SUCCEEDED]
        return done[-1] if done else None


class SweepStatus(StrEnum):
    """Where the sweep is."""

    RUNNING = "running"
    COMPLETED = "completed"
    STOPPED = "stopped"


class SweepLeaderboard(BaseModel):
    """The trials ranked best first (trials without a metric last, by index), live or final."""

    sweep_id: str
    status: SweepStatus = SweepStatus.RUNNING
    algorithm: SweepAlgorithm
    objective: SweepObjective
    trials: list[SweepTrial]
    best: SweepTrial | None = None
    rung: int = Field(0, description="Rung in progress (always 0 without successive halving).")
    rung_sizes: list[int] = Field(default_factory=list, description="Trials admitted per rung.")
    rung_budgets: list[float] = Field(default_factory=list)
    running: int = 0
    max_concurrent_trials: int = 1
    stop_reason: str | None = None
    workflow_runs: int = Field(1, description="Runs of the sweep workflow (continue-as-new + 1).")
    started_at: datetime | None = None
    finished_at: datetime | None = None


class SweepState(BaseModel):
    """Everything a sweep carries across continue-as-new: no trial is lost or rerun."""

    trials: list[SweepTrial]
    rung: int = 0
    stopped: bool = False
    stop_reason: str | None = None
    workflow_runs: int = 1
    started_at: datetime | None = None


class SweepWorkflowInput(BaseModel):
    """Input of the sweep workflow: the sweep file and, after continue-as-new, its state."""

    model_config = ConfigDict(extra="forbid")

    config: SweepConfig
    state: SweepState | None = Field(None, description="Internal: set by continue-as-new.")


class StopSweepRequest(BaseModel):
    """Stop a running sweep early: start no more trials; keep every result so far."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=1000)
    cancel_running: bool = Field(
        False, description="Also cancel trials in flight (default: let them finish)."
    )
