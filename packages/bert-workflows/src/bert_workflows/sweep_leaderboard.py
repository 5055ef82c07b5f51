"""Ranking trials into a leaderboard and reading the objective from an eval result (pure)."""

from bert_types.evaluation import BertEvalResult
from bert_types.sweep import ObjectiveDirection, SweepTrial, SweepTrialStatus

UNRANKED_STATUSES = frozenset({SweepTrialStatus.FAILED})
"""Trials in these statuses sort after every trial with a metric, whatever their earlier rungs."""


def ranked_trials(trials: list[SweepTrial], direction: ObjectiveDirection) -> list[SweepTrial]:
    """Trials best first: by highest succeeded rung, then metric; trials without one last."""
    sign = -1.0 if direction is ObjectiveDirection.MAXIMIZE else 1.0
    with_metric: list[tuple[int, float, int, SweepTrial]] = []
    rest: list[SweepTrial] = []
    for trial in trials:
        latest = trial.latest_succeeded_rung()
        if latest is None or latest.metric is None or trial.status in UNRANKED_STATUSES:
            rest.append(trial)
        else:
            with_metric.append((-latest.rung, sign * latest.metric, trial.index, trial))
    with_metric.sort(key=lambda item: item[:3])
    return [item[3] for item in with_metric] + sorted(rest, key=lambda trial: trial.index)


def best_trial(trials: list[SweepTrial], direction: ObjectiveDirection) -> SweepTrial | None:
    """The top trial with a metric, or ``None`` while no trial has one."""
    ranked = ranked_trials(trials, direction)
    if ranked and ranked[0].metric is not None and ranked[0].status not in UNRANKED_STATUSES:
        return ranked[0]
    return None


def objective_value(result: BertEvalResult, metric: str) -> float | None:
    """The objective ``metric`` of an eval result (``metrics[metric]``, else a same-named field)."""
    if metric in result.metrics:
        return result.metrics[metric]
    value = getattr(result, metric, None) if metric in BertEvalResult.model_fields else None
    return float(value) if isinstance(value, int | float) else None
