"""Which trials a sweep runs: grid expansion and seeded random sampling (pure, deterministic)."""

import itertools
import math
import random

from bert_types.fine_tune_config import BertFineTuneConfig
from bert_types.run_id import derive_run_id
from bert_types.sweep import (
    ChoiceParameter,
    HalvingResource,
    IntParameter,
    LogUniformParameter,
    ParameterValue,
    SearchParameter,
    SweepAlgorithm,
    SweepConfig,
    UniformParameter,
    halving_field,
)

SIGNIFICANT_DIGITS = 6
"""Sampled floats are rounded to this many significant digits, so they read well in tables."""


def sweep_points(config: SweepConfig) -> list[dict[str, ParameterValue]]:
    """The parameters of every trial of ``config``, in trial order."""
    halving = config.halving()
    use_grid = config.algorithm is SweepAlgorithm.GRID or (
        halving is not None and halving.sampler == "grid"
    )
    if use_grid:
        return grid_points(config.search_space, config.num_trials)
    if config.num_trials is None:
        raise ValueError("num_trials is required for random sampling")
    return random_points(config.search_space, config.num_trials, config.seed)


def grid_points(
    space: dict[str, SearchParameter], limit: int | None = None
) -> list[dict[str, ParameterValue]]:
    """The combinations of the space's grid values (the first ``limit``, else all); the last
    parameter varies fastest."""
    names = list(space)
    axes = [parameter_grid(space[name]) for name in names]
    combos = itertools.islice(itertools.product(*axes), limit)
    return [dict(zip(names, combo, strict=True)) for combo in combos]


def parameter_grid(parameter: SearchParameter) -> list[ParameterValue]:
    """The grid values of one parameter: choices, every integer step, or even points of a range."""
    if isinstance(parameter, ChoiceParameter):
        return list(parameter.values)
    if isinstance(parameter, IntParameter):
        return list(parameter.values())
    if parameter.grid_points is None:
        raise ValueError(f"a {parameter.type!r} range needs grid_points for a grid search")
    count = parameter.grid_points
    if isinstance(parameter, UniformParameter):
        step = (parameter.high - parameter.low) / (count - 1)
        return [_rounded(parameter.low + step * i) for i in range(count)]
    low, high = math.log(parameter.low), math.log(parameter.high)
    step = (high - low) / (count - 1)
    return [_rounded(math.exp(low + step * i)) for i in range(count)]


def random_points(
    space: dict[str, SearchParameter], count: int, seed: int
) -> list[dict[str, ParameterValue]]:
    """``count`` independent draws from ``space`` with ``random.Random(seed)``: same seed, same
    trials, on every worker and every replay."""
    rng = random.Random(seed)
    return [{name: sample_parameter(p, rng) for name, p in space.items()} for _ in range(count)]


def sample_parameter(parameter: SearchParameter, rng: random.Random) -> ParameterValue:
    """One draw of one parameter."""
    if isinstance(parameter, ChoiceParameter):
        return parameter.values[rng.randrange(len(parameter.values))]
    if isinstance(parameter, IntParameter):
        values = parameter.values()
        return values[rng.randrange(len(values))]
    if isinstance(parameter, UniformParameter):
        return _rounded(rng.uniform(parameter.low, parameter.high))
    if isinstance(parameter, LogUniformParameter):
        low, high = math.log(parameter.low), math.log(parameter.high)
        return _rounded(math.exp(rng.uniform(low, high)))
    raise TypeError(f"unknown search parameter {parameter!r}")


def trial_run_id(sweep_id: str, index: int) -> str:
    """The run id (and run folder) of trial ``index`` of sweep ``sweep_id``."""
    return derive_run_id(sweep_id, f"t{index:03d}")


def trial_config(
    config: SweepConfig,
    params: dict[str, ParameterValue],
    run_id: str,
    budget: float | None = None,
) -> BertFineTuneConfig:
    """The base config with the trial's parameters, run id and (successive halving) budget.

    Training skips its own end-of-training evaluation: each trial's eval child scores it.
    """
    values = config.base_config.model_dump()
    values.update(params)
    values["run_id"] = run_id
    values["evaluate_after_training"] = False
    halving = config.halving()
    if halving is not None and budget is not None:
        field = halving_field(halving.resource)
        values[field] = int(budget) if halving.resource is HalvingResource.STEPS else budget
    return BertFineTuneConfig.model_validate(values)


def _rounded(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
