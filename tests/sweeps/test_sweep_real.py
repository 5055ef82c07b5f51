"""Sweeps end to end: real Temporal server, real workflow and activity workers (in process, on
fresh queues), a tiny random BERT and real SST-2 rows. Kept small: 32 rows, a few steps a trial."""

import asyncio
import json
from pathlib import Path

import pytest
from bert_types import (
    StopSweepRequest,
    SweepLeaderboard,
    SweepStatus,
    SweepTrialStatus,
)
from bert_types.errors import TEXT_FIELD_NOT_FOUND
from bert_types.names import GET_LEADERBOARD_QUERY, STOP_SWEEP_UPDATE
from bert_workflows.sweep_sampling import sweep_points
from bert_workflows.sweep_workflow import SweepWorkflow
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.sweeps.sweep_harness import (
    REAL_STEPS_PER_EPOCH,
    RealStack,
    all_run_histories,
    child_workflow_ids,
    max_trials_in_flight,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


async def _replay_clean(stack: RealStack, sweep_id: str) -> None:
    replayer = Replayer(workflows=[SweepWorkflow], data_converter=pydantic_data_converter)
    for history in await all_run_histories(stack.client, sweep_id):
        await replayer.replay_workflow(history)


async def test_grid_of_4_and_random_of_6_with_two_at_a_time(real_stack: RealStack) -> None:
    grid = real_stack.config(
        base={"max_steps": 2},
        algorithm="grid",
        max_concurrent_trials=2,
        search_space={"learning_rate": [1e-4, 1e-3], "weight_decay": [0.0, 0.01]},
    )
    random_config = real_stack.config(
        base={"max_steps": 2},
        algorithm="random",
        num_trials=6,
        seed=1234,
        max_concurrent_trials=2,
        search_space={"learning_rate": {"type": "log_uniform", "low": 1e-5, "high": 1e-2}},
    )
    grid_handle = await real_stack.start(grid)
    random_handle = await real_stack.start(random_config)
    grid_board: SweepLeaderboard = await grid_handle.result()
    random_board: SweepLeaderboard = await random_handle.result()

    for board, size in ((grid_board, 4), (random_board, 6)):
        assert board.status is SweepStatus.COMPLETED
        assert len(board.trials) == size
        assert all(t.status is SweepTrialStatus.SUCCEEDED for t in board.trials), board.trials
        assert all(t.metric is not None and 0.0 <= t.metric <= 1.0 for t in board.trials)
        assert all(t.rungs[0].global_step == 2 for t in board.trials)
        assert board.best is not None
        assert board.best.metric == max(t.metric for t in board.trials if t.metric is not None)
    assert {(t.params["learning_rate"], t.params["weight_decay"]) for t in grid_board.trials} == {
        (1e-4, 0.0),
        (1e-4, 0.01),
        (1e-3, 0.0),
        (1e-3, 0.01),
    }
    by_index = sorted(random_board.trials, key=lambda t: t.index)
    assert [t.params for t in by_index] == sweep_points(random_config)
    for handle in (grid_handle, random_handle):
        histories = await all_run_histories(real_stack.client, handle.id)
        assert max_trials_in_flight(histories) == 2
        await _replay_clean(real_stack, handle.id)


async def test_successive_halving_resumes_promoted_trials(real_stack: RealStack) -> None:
    config = real_stack.config(
        algorithm="successive_halving",
        num_trials=8,
        seed=5,
        max_concurrent_trials=2,
        base={"learning_rate": 5e-4},
        search_space={
            "learning_rate": {"type": "log_uniform", "low": 1e-5, "high": 3e-3},
            "seed": {"type": "int", "low": 0, "high": 1000},
        },
        successive_halving={"eta": 2, "min_budget": 0.5},
    )
    handle = await real_stack.start(config)
    board: SweepLeaderboard = await handle.result()

    assert board.status is SweepStatus.COMPLETED
    assert board.rung_sizes == [8, 4, 2, 1]
    assert [sum(1 for t in board.trials if len(t.rungs) > r) for r in range(4)] == [8, 4, 2, 1]
    expected_steps = [int(b * REAL_STEPS_PER_EPOCH) for b in board.rung_budgets]
    assert expected_steps == [2, 4, 8, 16]
    for trial in board.trials:
        assert trial.status in {SweepTrialStatus.SUCCEEDED, SweepTrialStatus.PRUNED}
        for rung, result in enumerate(trial.rungs):
            assert result.status is SweepTrialStatus.SUCCEEDED, result.error
            assert result.global_step == result.total_steps == expected_steps[rung]
            expected_resume = expected_steps[rung - 1] if rung else None
            assert result.resumed_from_step == expected_resume, (trial.run_id, rung)
    winner = board.trials[0]
    assert board.best is not None
    assert board.best.index == winner.index
    assert len(winner.rungs) == 4
    assert winner.status is SweepTrialStatus.SUCCEEDED
    # rung k+1 holds the best half of rung k
    for rung in range(3):
        ranked = sorted(
            (t for t in board.trials if len(t.rungs) > rung),
            key=lambda t: (-(t.rungs[rung].metric or 0.0), t.index),
        )
        keep = board.rung_sizes[rung + 1]
        assert {t.index for t in ranked[:keep]} == {
            t.index for t in board.trials if len(t.rungs) > rung + 1
        }

    # one training log across the rungs: every step once, the schedule of the rung's total budget
    last = winner.last_checkpoint
    assert last is not None
    state = json.loads((Path(last.path) / "trainer_state.json").read_text())
    logged = [e for e in state["log_history"] if "learning_rate" in e and "loss" in e]
    assert [e["step"] for e in logged] == list(range(1, 17))
    learning_rate = winner.params["learning_rate"]
    assert isinstance(learning_rate, float)
    for entry in logged:
        step = entry["step"]
        total = next(s for s in expected_steps if s >= step)
        assert entry["learning_rate"] == pytest.approx(
            learning_rate * (total - step + 1) / total, rel=1e-4
        ), (step, total, entry)
    train_ids = child_workflow_ids(await all_run_histories(real_stack.client, handle.id), "train")
    assert len(train_ids) == len(set(train_ids)) == 15
    await _replay_clean(real_stack, handle.id)


async def test_failing_trial_is_isolated_and_stop_keeps_results(real_stack: RealStack) -> None:
    config = real_stack.config(
        base={"max_steps": 2},
        algorithm="grid",
        max_concurrent_trials=1,
        search_space={"text_field": ["no_such_column", "sentence"], "learning_rate": [1e-4, 1e-3]},
    )
    handle = await real_stack.start(config)
    async with asyncio.timeout(120):
        while True:
            board = await handle.query(GET_LEADERBOARD_QUERY, result_type=SweepLeaderboard)
            if any(t.status is SweepTrialStatus.SUCCEEDED for t in board.trials):
                break
            await asyncio.sleep(0.2)
    stopped = await handle.execute_update(
        STOP_SWEEP_UPDATE, StopSweepRequest(reason="enough"), result_type=SweepLeaderboard
    )
    final: SweepLeaderboard = await handle.result()

    assert stopped.status is SweepStatus.RUNNING
    assert final.status is SweepStatus.STOPPED
    assert final.stop_reason == "enough"
    statuses = {t.index: t.status for t in final.trials}
    assert statuses[0] is statuses[1] is SweepTrialStatus.FAILED
    assert statuses[2] is SweepTrialStatus.SUCCEEDED
    assert statuses[3] in {SweepTrialStatus.SUCCEEDED, SweepTrialStatus.SKIPPED}
    failed = [t for t in final.trials if t.status is SweepTrialStatus.FAILED]
    assert {t.error_type for t in failed} == {TEXT_FIELD_NOT_FOUND}
    assert all("no_such_column" in (t.error or "") for t in failed)
    assert final.best is not None
    assert final.best.index in {2, 3}
    assert final.trials[-2:] == failed
    await _replay_clean(real_stack, handle.id)
