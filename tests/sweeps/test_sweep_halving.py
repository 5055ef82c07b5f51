"""Successive-halving arithmetic and leaderboard ranking (pure functions, no Temporal)."""

from datetime import UTC, datetime

import pytest
from bert_types import (
    BertEvalResult,
    ObjectiveDirection,
    SweepRungResult,
    SweepTrial,
    SweepTrialStatus,
)
from bert_workflows.sweep_halving import promoted, rung_budgets, rung_sizes
from bert_workflows.sweep_leaderboard import best_trial, objective_value, ranked_trials


@pytest.mark.parametrize(
    ("num_trials", "eta", "max_rungs", "sizes"),
    [
        (8, 2, None, [8, 4, 2, 1]),
        (9, 3, None, [9, 3, 1]),
        (6, 2, None, [6, 3, 1]),
        (5, 4, None, [5, 1]),
        (1, 2, None, [1]),
        (8, 2, 2, [8, 4]),
    ],
)
def test_rung_sizes(num_trials: int, eta: int, max_rungs: int | None, sizes: list[int]) -> None:
    assert rung_sizes(num_trials, eta, max_rungs) == sizes


def test_rung_budgets_grow_by_eta() -> None:
    assert rung_budgets(0.5, 2, 4) == [0.5, 1.0, 2.0, 4.0]
    assert rung_budgets(3, 3, 3) == [3, 9, 27]


def test_promoted_keeps_the_best_and_never_a_failed_trial() -> None:
    candidates = [(0, 0.5), (1, None), (2, 0.9), (3, 0.7), (4, 0.9)]
    assert promoted(candidates, 2, ObjectiveDirection.MAXIMIZE) == [2, 4]
    assert promoted(candidates, 2, ObjectiveDirection.MINIMIZE) == [0, 3]
    assert promoted(candidates, 10, ObjectiveDirection.MAXIMIZE) == [2, 4, 3, 0]


def _trial(index: int, status: SweepTrialStatus, *rung_metrics: float | None) -> SweepTrial:
    now = datetime.now(UTC)
    rungs = [
        SweepRungResult(
            rung=rung,
            budget=float(2**rung),
            status=SweepTrialStatus.SUCCEEDED if metric is not None else SweepTrialStatus.FAILED,
            metric=metric,
            started_at=now,
            finished_at=now,
        )
        for rung, metric in enumerate(rung_metrics)
    ]
    succeeded = [m for m in rung_metrics if m is not None]
    return SweepTrial(
        index=index,
        run_id=f"t{index}",
        params={},
        status=status,
        rung=max(len(rungs) - 1, 0),
        metric=succeeded[-1] if succeeded else None,
        rungs=rungs,
    )


def test_ranking_puts_higher_rungs_first_then_metric_and_failures_last() -> None:
    trials = [
        _trial(0, SweepTrialStatus.PRUNED, 0.95),
        _trial(1, SweepTrialStatus.SUCCEEDED, 0.6, 0.7),
        _trial(2, SweepTrialStatus.FAILED, None),
        _trial(3, SweepTrialStatus.SUCCEEDED, 0.8, 0.75),
        _trial(4, SweepTrialStatus.PENDING),
        _trial(5, SweepTrialStatus.FAILED, 0.99, None),
    ]
    ranked = ranked_trials(trials, ObjectiveDirection.MAXIMIZE)
    assert [t.index for t in ranked] == [3, 1, 0, 2, 4, 5]
    best = best_trial(trials, ObjectiveDirection.MAXIMIZE)
    assert best is not None
    assert best.index == 3
    assert best_trial([_trial(0, SweepTrialStatus.RUNNING)], ObjectiveDirection.MAXIMIZE) is None


def test_objective_value_reads_metrics_then_fields() -> None:
    result = BertEvalResult(run_id="r", accuracy=0.8, metrics={"f1_macro": 0.7})
    assert objective_value(result, "f1_macro") == 0.7
    assert objective_value(result, "accuracy") == 0.8
    assert objective_value(result, "rmse") is None
