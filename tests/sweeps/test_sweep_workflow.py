"""SweepWorkflow on a real Temporal server with the real training and eval workflows; only the
activities are mocked (registered under their real names), so each sweep takes seconds."""

import asyncio
import itertools
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bert_types import (
    StopSweepRequest,
    SweepConfig,
    SweepLeaderboard,
    SweepStatus,
    SweepTrialStatus,
    SweepWorkflowInput,
)
from bert_types.errors import INVALID_CONFIG, TEXT_FIELD_NOT_FOUND
from bert_types.names import GET_LEADERBOARD_QUERY, STOP_SWEEP_UPDATE, SWEEP_WORKFLOW
from bert_workflows.sweep_sampling import sweep_points
from bert_workflows.sweep_workflow import SweepWorkflow
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.sweeps.sweep_harness import (
    STEPS_PER_EPOCH,
    FakeTraining,
    Queues,
    all_run_histories,
    child_workflow_ids,
    fake_accuracy,
    max_trials_in_flight,
    sweep_workers,
)

pytestmark = pytest.mark.timeout(120)


def _sweep(tmp_path: Path, queues: Queues, **overrides: Any) -> SweepConfig:
    base = {
        "dataset_name": "sst2",
        "model_name": "tiny",
        "num_epochs": 1.0,
        "artifact_root": str(tmp_path / "runs"),
        "snapshot_root": str(tmp_path / "snapshots"),
        "execution": {"heartbeat_timeout_s": 5, "retry_initial_interval_s": 0.1},
    }
    base.update(overrides.pop("base", {}))
    return SweepConfig.model_validate(
        {
            "base_config": base,
            "training_task_queue": queues.training,
            "eval_task_queue": queues.eval,
            **overrides,
        }
    )


async def _start(
    client: Client, queues: Queues, config: SweepConfig
) -> WorkflowHandle[Any, SweepLeaderboard]:
    return await client.start_workflow(
        SWEEP_WORKFLOW,
        SweepWorkflowInput(config=config),
        id=f"sweep-{uuid.uuid4().hex[:8]}",
        task_queue=queues.eval,
        result_type=SweepLeaderboard,
    )


async def _until(
    handle: WorkflowHandle[Any, SweepLeaderboard],
    done: Callable[[SweepLeaderboard], bool],
    timeout_s: float = 30,
) -> SweepLeaderboard:
    async with asyncio.timeout(timeout_s):
        while True:
            board = await handle.query(GET_LEADERBOARD_QUERY, result_type=SweepLeaderboard)
            if done(board):
                return board
            await asyncio.sleep(0.1)


async def _replay(client: Client, workflow_id: str) -> None:
    replayer = Replayer(workflows=[SweepWorkflow], data_converter=pydantic_data_converter)
    for history in await all_run_histories(client, workflow_id):
        await replayer.replay_workflow(history)


async def test_grid_and_random_sweeps_respect_concurrency_and_seed(
    temporal_env: Any, tmp_path: Path
) -> None:
    client: Client = temporal_env.client
    fake = FakeTraining(seconds=0.3)
    async with sweep_workers(client, *fake.activities()) as queues:
        grid = _sweep(
            tmp_path,
            queues,
            algorithm="grid",
            max_concurrent_trials=2,
            search_space={"learning_rate": [1e-5, 1e-4], "batch_size": [8, 16]},
            eval={"batch_size": 7, "split": "validation"},
        )
        random_config = _sweep(
            tmp_path,
            queues,
            algorithm="random",
            num_trials=6,
            seed=11,
            max_concurrent_trials=2,
            search_space={"learning_rate": {"type": "log_uniform", "low": 1e-6, "high": 1e-2}},
        )
        grid_handle = await _start(client, queues, grid)
        random_handles = [await _start(client, queues, random_config) for _ in range(2)]
        grid_board = await grid_handle.result()
        random_boards = [await handle.result() for handle in random_handles]

    assert grid_board.status is SweepStatus.COMPLETED
    assert len(grid_board.trials) == 4
    assert all(t.status is SweepTrialStatus.SUCCEEDED for t in grid_board.trials)
    assert sorted(t.params["learning_rate"] for t in grid_board.trials) == [1e-5, 1e-5, 1e-4, 1e-4]
    assert grid_board.best is not None
    assert grid_board.best.params["learning_rate"] == 1e-4
    assert grid_board.best.metric == fake_accuracy(1e-4, None)
    grid_evals = [r for r in fake.eval_requests if r.batch_size == 7]
    assert sorted(r.run_id or "" for r in grid_evals) == sorted(t.run_id for t in grid_board.trials)
    assert all(r.model_path == f"{tmp_path}/runs/{r.run_id}" for r in grid_evals)
    assert {r.split for r in grid_evals} == {"validation"}
    metrics = [t.metric for t in grid_board.trials]
    assert metrics == sorted(metrics, reverse=True)  # type: ignore[type-var]

    first, second = random_boards
    params_by_index = [t.params for t in sorted(first.trials, key=lambda t: t.index)]
    assert params_by_index == sweep_points(random_config)
    assert params_by_index == [t.params for t in sorted(second.trials, key=lambda t: t.index)]
    assert len({p["learning_rate"] for p in params_by_index}) == 6
    assert all(t.status is SweepTrialStatus.SUCCEEDED for t in first.trials)

    for handle in (grid_handle, *random_handles):
        histories = await all_run_histories(client, handle.id)
        assert max_trials_in_flight(histories) == 2
        await _replay(client, handle.id)


async def test_successive_halving_promotes_from_checkpoints(
    temporal_env: Any, tmp_path: Path
) -> None:
    client: Client = temporal_env.client
    fake = FakeTraining()
    async with sweep_workers(client, *fake.activities()) as queues:
        config = _sweep(
            tmp_path,
            queues,
            algorithm="successive_halving",
            num_trials=8,
            seed=3,
            max_concurrent_trials=3,
            search_space={"learning_rate": {"type": "log_uniform", "low": 1e-6, "high": 1e-2}},
            successive_halving={"eta": 2, "min_budget": 0.5},
        )
        handle = await _start(client, queues, config)
        board = await handle.result()

    assert board.rung_sizes == [8, 4, 2, 1]
    assert board.rung_budgets == [0.5, 1.0, 2.0, 4.0]
    admitted = [sum(1 for t in board.trials if len(t.rungs) > rung) for rung in range(4)]
    assert admitted == [8, 4, 2, 1]
    by_rate = sorted(board.trials, key=lambda t: -fake_accuracy(t.params["learning_rate"], None))  # type: ignore[arg-type]
    for rung, size in enumerate([8, 4, 2, 1]):
        assert {t.index for t in by_rate[:size]} == {
            t.index for t in board.trials if len(t.rungs) > rung
        }, f"rung {rung} should hold the {size} best trials"
    winner = board.trials[0]
    assert board.best is not None
    assert board.best.index == winner.index == by_rate[0].index
    assert winner.status is SweepTrialStatus.SUCCEEDED
    assert [r.global_step for r in winner.rungs] == [2, 4, 8, 16]
    assert [r.resumed_from_step for r in winner.rungs] == [None, 2, 4, 8]
    assert {t.status for t in board.trials[1:]} == {SweepTrialStatus.PRUNED}
    # every promotion trained the same run again, resuming from that run's own newest checkpoint
    for trial in board.trials:
        for previous, promoted in itertools.pairwise(trial.rungs):
            assert promoted.resumed_from_step == previous.global_step
        assert trial.last_checkpoint is not None
        assert trial.last_checkpoint.run_id == trial.run_id
        assert trial.last_checkpoint.step == trial.rungs[-1].global_step
    for request in fake.requests:
        sent = request.resume_from_checkpoint
        assert sent is None or (sent.run_id, sent.step) == (
            request.run_id,
            request.config.num_epochs * STEPS_PER_EPOCH / 2,
        )
    train_ids = child_workflow_ids(await all_run_histories(client, handle.id), "train")
    assert len(train_ids) == len(set(train_ids)) == 8 + 4 + 2 + 1
    assert f"{handle.id}/train/{winner.run_id}/rung-3" in train_ids
    await _replay(client, handle.id)


async def test_failed_trial_is_isolated_and_stop_returns_partial_leaderboard(
    temporal_env: Any, tmp_path: Path
) -> None:
    client: Client = temporal_env.client
    fake = FakeTraining(allowed=1)
    async with sweep_workers(client, *fake.activities()) as queues:
        config = _sweep(
            tmp_path,
            queues,
            algorithm="grid",
            max_concurrent_trials=1,
            search_space={"text_field": ["missing", "sentence"], "learning_rate": [1e-4, 3e-4]},
        )
        handle = await _start(client, queues, config)
        board = await _until(
            handle,
            lambda b: (
                len(fake.requests) == 2
                and sum(t.status is SweepTrialStatus.SUCCEEDED for t in b.trials) == 1
            ),
        )
        stopped = await handle.execute_update(
            STOP_SWEEP_UPDATE,
            StopSweepRequest(reason="good enough"),
            result_type=SweepLeaderboard,
        )
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(STOP_SWEEP_UPDATE, StopSweepRequest())
        assert "already stopping" in str(rejected.value.cause)
        fake.allowed = None
        final = await handle.result()

    statuses = {t.index: t.status for t in final.trials}
    assert statuses[0] is statuses[1] is SweepTrialStatus.FAILED
    assert statuses[2] is statuses[3] is SweepTrialStatus.SUCCEEDED
    assert {t.index: t.status for t in stopped.trials}[3] is SweepTrialStatus.RUNNING
    failed = next(t for t in final.trials if t.index == 0)
    assert failed.error_type == TEXT_FIELD_NOT_FOUND
    assert "missing" in (failed.error or "")
    assert final.status is SweepStatus.STOPPED
    assert final.stop_reason == stopped.stop_reason == "good enough"
    assert final.best is not None
    assert final.best.index == 2
    assert [t.index for t in final.trials] == [2, 3, 0, 1]
    assert board.status is SweepStatus.RUNNING
    await _replay(client, handle.id)


async def test_stop_can_cancel_running_trials(temporal_env: Any, tmp_path: Path) -> None:
    client: Client = temporal_env.client
    fake = FakeTraining(allowed=0)
    async with sweep_workers(client, *fake.activities()) as queues:
        config = _sweep(
            tmp_path,
            queues,
            algorithm="random",
            num_trials=5,
            max_concurrent_trials=2,
            search_space={"learning_rate": {"type": "uniform", "low": 1e-5, "high": 1e-3}},
        )
        handle = await _start(client, queues, config)
        await _until(handle, lambda b: len(fake.requests) >= 2 and b.running == 2)
        await handle.execute_update(
            STOP_SWEEP_UPDATE, StopSweepRequest(cancel_running=True), result_type=SweepLeaderboard
        )
        final = await handle.result()

    statuses = sorted(t.status.value for t in final.trials)
    assert statuses == ["cancelled", "cancelled", "skipped", "skipped", "skipped"]
    assert final.best is None
    assert final.status is SweepStatus.STOPPED
    await _replay(client, handle.id)


async def test_continue_as_new_keeps_every_trial(temporal_env: Any, tmp_path: Path) -> None:
    client: Client = temporal_env.client
    fake = FakeTraining()
    async with sweep_workers(client, *fake.activities()) as queues:
        config = _sweep(
            tmp_path,
            queues,
            algorithm="successive_halving",
            num_trials=5,
            max_concurrent_trials=2,
            max_trials_per_run=2,
            search_space={"learning_rate": {"type": "log_uniform", "low": 1e-6, "high": 1e-2}},
            successive_halving={"eta": 2, "min_budget": 1},
        )
        handle = await _start(client, queues, config)
        board = await handle.result()

    histories = await all_run_histories(client, handle.id)
    trainings = 5 + 2 + 1
    assert len(histories) == board.workflow_runs >= 4
    assert len(board.trials) == 5
    assert sum(len(t.rungs) for t in board.trials) == trainings
    train_ids = child_workflow_ids(histories, "train")
    assert len(train_ids) == len(set(train_ids)) == trainings
    assert max_trials_in_flight(histories) <= 2
    assert board.best is not None
    assert [r.resumed_from_step for r in board.best.rungs] == [None, 4, 8]
    await _replay(client, handle.id)


async def test_sdk_starts_watches_and_stops_a_sweep(temporal_env: Any, tmp_path: Path) -> None:
    from bert_client.client import BertClient
    from bert_client.sweeps import SweepStopRejectedError

    client: Client = temporal_env.client
    fake = FakeTraining(allowed=0)
    async with sweep_workers(client, *fake.activities()) as queues:
        sdk = BertClient(client, eval_task_queue=queues.eval)
        config = _sweep(
            tmp_path,
            queues,
            algorithm="random",
            num_trials=3,
            max_concurrent_trials=1,
            search_space={"learning_rate": {"type": "log_uniform", "low": 1e-5, "high": 1e-3}},
        )
        handle = await sdk.start_sweep(config)
        boards: list[SweepLeaderboard] = []
        stopped = None
        async with asyncio.timeout(
            60
        ):  # the stop lands while trial 1's child is starting, at times
            async for board in handle.watch(interval_s=0.1):
                boards.append(board)
                if len(boards) == 2:
                    fake.allowed = 1
                succeeded = any(t.status is SweepTrialStatus.SUCCEEDED for t in board.trials)
                if succeeded and stopped is None:
                    stopped = await handle.stop(reason="seen enough", cancel_running=True)
        final = boards[-1]
        assert final == await sdk.get_sweep(handle.sweep_id).result()
        with pytest.raises(SweepStopRejectedError, match="already finished"):
            await handle.stop()

    assert boards[0].status is SweepStatus.RUNNING
    assert stopped is not None
    assert stopped.stop_reason == final.stop_reason == "seen enough"
    assert final.status is SweepStatus.STOPPED
    assert final.sweep_id == handle.sweep_id
    assert sorted(t.status.value for t in final.trials) == ["cancelled", "skipped", "succeeded"]


async def test_trial_with_invalid_parameter_combination_fails_alone(
    temporal_env: Any, tmp_path: Path
) -> None:
    client: Client = temporal_env.client
    fake = FakeTraining()
    async with sweep_workers(client, *fake.activities()) as queues:
        config = _sweep(
            tmp_path,
            queues,
            algorithm="grid",
            search_space={"text_field": ["question", "sentence"], "text_pair_field": ["question"]},
        )
        handle = await _start(client, queues, config)
        board = await handle.result()

    invalid, valid = sorted(board.trials, key=lambda t: t.index)
    assert invalid.status is SweepTrialStatus.FAILED
    assert invalid.error_type == INVALID_CONFIG
    assert "text_pair_field must differ from text_field" in (invalid.error or "")
    assert valid.status is SweepTrialStatus.SUCCEEDED
    assert [r.run_id for r in fake.requests] == [valid.run_id]
    await _replay(client, handle.id)
