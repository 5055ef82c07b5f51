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
