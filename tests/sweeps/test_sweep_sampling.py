"""Grid expansion and seeded random sampling of sweep trials (pure functions, no Temporal)."""

import math

import pytest
from bert_types import SweepConfig
from bert_workflows.sweep_sampling import (
    grid_points,
    random_points,
    sweep_points,
    trial_config,
    trial_run_id,
)
from pydantic import ValidationError

BASE = {"dataset_name": "data/sst2", "model_name": "tiny", "num_epochs": 1.0}


def _config(**overrides: object) -> SweepConfig:
    return SweepConfig.model_validate({"base_config": BASE, **overrides})


def test_grid_is_the_cartesian_product_in_file_order() -> None:
    config = _config(
        algorithm="grid",
        search_space={"learning_rate": [1e-4, 3e-4], "batch_size": [8, 16]},
    )
    assert sweep_points(config) == [
        {"learning_rate": 1e-4, "batch_size": 8},
        {"learning_rate": 1e-4, "batch_size": 16},
        {"learning_rate": 3e-4, "batch_size": 8},
        {"learning_rate": 3e-4, "batch_size": 16},
    ]


def test_grid_ranges_use_grid_points_and_num_trials_truncates() -> None:
    config = _config(
        algorithm="grid",
        num_trials=4,
        search_space={
            "learning_rate": {"type": "log_uniform", "low": 1e-5, "high": 1e-3, "grid_points": 3},
            "warmup_ratio": {"type": "uniform", "low": 0.0, "high": 0.2, "grid_points": 2},
            "max_seq_length": {"type": "int", "low": 32, "high": 64, "step": 32},
        },
    )
    full = grid_points(config.search_space)
    assert len(full) == 3 * 2 * 2
    assert sorted({p["learning_rate"] for p in full}) == [1e-5, 1e-4, 1e-3]
    assert sorted({p["warmup_ratio"] for p in full}) == [0.0, 0.2]
    assert sorted({p["max_seq_length"] for p in full}) == [32, 64]
    assert sweep_points(config) == full[:4]


def test_random_points_are_deterministic_for_a_seed_and_inside_the_space() -> None:
    config = _config(
        num_trials=50,
        seed=7,
        search_space={
            "learning_rate": {"type": "log_uniform", "low": 1e-5, "high": 1e-3},
            "weight_decay": {"type": "uniform", "low": 0.0, "high": 0.1},
            "batch_size": {"type": "int", "low": 8, "high": 32, "step": 8},
            "model_name": ["a", "b", "c"],
        },
    )
    first, second = sweep_points(config), sweep_points(config)
    assert first == second
    assert first != random_points(config.search_space, 50, seed=8)
    for point in first:
        assert isinstance(point["learning_rate"], float)
        assert 1e-5 <= point["learning_rate"] <= 1e-3
        assert 0.0 <= point["weight_decay"] <= 0.1  # type: ignore[operator]
        assert point["batch_size"] in {8, 16, 24, 32}
        assert point["model_name"] in {"a", "b", "c"}
    logs = [math.log10(p["learning_rate"]) for p in first]  # type: ignore[arg-type]
    assert sum(1 for x in logs if x < -4) > 10, "log-uniform puts about half below 1e-4"
    assert {p["model_name"] for p in first} == {"a", "b", "c"}


def test_trial_config_sets_params_run_id_and_budget() -> None:
    config = _config(
        algorithm="successive_halving",
        num_trials=4,
        search_space={"learning_rate": [1e-4]},
        successive_halving={"eta": 2, "min_budget": 0.5},
    )
    run_id = trial_run_id("sweeps/my sweep", 3)
    assert run_id == "sweeps-my-sweep-t003"
    trial = trial_config(config, {"learning_rate": 1e-4}, run_id, budget=2.0)
    assert (trial.learning_rate, trial.run_id, trial.num_epochs) == (1e-4, run_id, 2.0)
    steps = _config(
        algorithm="successive_halving",
        num_trials=4,
        search_space={"learning_rate": [1e-4]},
        successive_halving={"resource": "steps", "min_budget": 3},
    )
    assert trial_config(steps, {"learning_rate": 1e-4}, run_id, budget=12.0).max_steps == 12


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"search_space": {"run_id": ["a"]}, "num_trials": 1}, "not a searchable"),
        ({"search_space": {"learning_rat": [1e-4]}, "num_trials": 1}, "learning_rate"),
        ({"search_space": {"learning_rate": [2.0]}, "num_trials": 1}, "learning_rate: value 2.0"),
        (
            {"search_space": {"batch_size": {"type": "uniform", "low": 8, "high": 16}}},
            "use type 'int'",
        ),
        (
            {"search_space": {"learning_rate": {"type": "uniform", "low": 1e-3, "high": 1e-5}}},
            "must be below high",
        ),
        ({"search_space": {"learning_rate": [1e-4]}}, "num_trials is required"),
        (
            {
                "algorithm": "grid",
                "search_space": {"learning_rate": {"type": "uniform", "low": 1e-5, "high": 1e-3}},
            },
            "needs grid_points",
        ),
        (
            {
                "algorithm": "successive_halving",
                "num_trials": 4,
                "search_space": {"num_epochs": [1.0, 2.0]},
            },
            "sets num_epochs per rung",
        ),
        (
            {
                "algorithm": "random",
                "num_trials": 4,
                "search_space": {"learning_rate": [1e-4]},
                "successive_halving": {"eta": 3},
            },
            "successive_halving is set but algorithm",
        ),
        (
            {"search_space": {"learning_rate": [1e-4]}, "num_trials": 2, "eval": {"run_id": "x"}},
            "set per trial",
        ),
    ],
)
def test_invalid_sweeps_say_what_is_wrong(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _config(**overrides)


def test_choices_are_coerced_to_the_config_field_type() -> None:
    config = _config(num_trials=1, search_space={"learning_rate": ["1e-4"], "batch_size": ["8"]})
    assert sweep_points(config) == [{"learning_rate": 1e-4, "batch_size": 8}]


def test_large_grids_need_num_trials_and_expand_lazily() -> None:
    space = {"seed": {"type": "int", "low": 0, "high": 9999}, "learning_rate": [1e-4, 2e-4]}
    with pytest.raises(ValidationError, match="20,000 points, above the 1,000 trials"):
        _config(algorithm="grid", search_space=space)
    config = _config(algorithm="grid", num_trials=3, search_space=space)
    assert sweep_points(config) == [
        {"seed": 0, "learning_rate": 1e-4},
        {"seed": 0, "learning_rate": 2e-4},
        {"seed": 1, "learning_rate": 1e-4},
    ]


def test_the_largest_sweep_fits_one_temporal_payload() -> None:
    """1,000 halving trials (about 2,000 rungs) with realistic fields stay well below 2 MB, so the
    leaderboard and the state carried across continue-as-new are valid payloads."""
    from datetime import UTC, datetime

    from bert_types import (
        CheckpointInfo,
        SweepLeaderboard,
        SweepRungResult,
        SweepState,
        SweepTrial,
        SweepTrialStatus,
    )
    from bert_types.sweep import MAX_TRIALS

    now = datetime.now(UTC)
    metrics = {
        name: 0.123456789
        for name in ("accuracy", "f1_macro", "precision_macro", "recall_macro", "f1_0", "f1_1")
    }
    trials = []
    for index in range(MAX_TRIALS):
        run_id = f"sweep-20261127-052045-3190e9c9-t{index:03d}"
        rungs = [
            SweepRungResult(
                rung=rung,
                budget=0.5 * 2**rung,
                status=SweepTrialStatus.SUCCEEDED,
                metric=0.87654321,
                global_step=50 * 2**rung,
                total_steps=50 * 2**rung,
                resumed_from_step=25 * 2**rung if rung else None,
                started_at=now,
                finished_at=now,
            )
            for rung in range(2 if index < MAX_TRIALS // 2 else 1)
        ]
        trials.append(
            SweepTrial(
                index=index,
                run_id=run_id,
                params={"learning_rate": 1.23456e-05, "weight_decay": 0.0123456},
                status=SweepTrialStatus.PRUNED,
                metric=0.87654321,
                metrics=metrics,
                model_path=f"/srv/bert-parallel/artifacts/bert_runs/{run_id}",
                last_checkpoint=CheckpointInfo(
                    run_id=run_id,
                    step=100,
                    path=f"/srv/bert-parallel/artifacts/bert_runs/{run_id}/checkpoint-100",
                    epoch=1.0,
                    num_labels=2,
                    loss=0.6931,
                ),
                rungs=rungs,
            )
        )
    config = _config(num_trials=MAX_TRIALS, search_space={"learning_rate": [1e-4]})
    board = SweepLeaderboard(
        sweep_id="s", algorithm=config.algorithm, objective=config.objective, trials=trials
    )
    state = SweepState(trials=trials, started_at=now)
    assert len(board.model_dump_json()) < 1_500_000
    assert len(state.model_dump_json()) < 1_500_000
