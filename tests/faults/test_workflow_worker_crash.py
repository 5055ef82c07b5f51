"""Issue 6, case 3: kill -9 the workflow worker mid-run; a new one continues from history.

Training keeps running on the activity worker while no workflow worker exists; its heartbeats,
signals and completion wait in the server. The new workflow worker replays every history and the
coordinator completes without any fine-tune attempt being repeated.
"""

import asyncio
import time
import uuid

import pytest
from bert_types.evaluation import RunStatus
from bert_types.names import FINE_TUNE_ACTIVITY

from tests.faults.environment import FaultEnv
from tests.faults.history import activity_runs
from tests.faults.runs import start_coordinator, training_handle_of, wait_for_step

MAX_STEPS = 120
WORKFLOW_WORKER_DOWN_S = 2.0


@pytest.mark.slow
async def test_workflow_worker_killed_mid_run_workflows_continue(fault_env: FaultEnv) -> None:
    client, fleets = fault_env.client, fault_env.fleets
    tag = uuid.uuid4().hex[:6]
    run_ids = [f"wf-crash-a-{tag}", f"wf-crash-b-{tag}"]
    configs = [
        fault_env.config(run_id, max_steps=MAX_STEPS, checkpoint_steps=20, seed=index)
        for index, run_id in enumerate(run_ids)
    ]
    coordinator = await start_coordinator(client, configs, f"exp-wf-crash-{tag}")
    trainings = [await training_handle_of(client, coordinator, run_id) for run_id in run_ids]
    progress = await wait_for_step(trainings[0], 5)

    killed_at = time.time()
    fleets.workflow.kill()
    await asyncio.sleep(WORKFLOW_WORKER_DOWN_S)
    await fleets.workflow.restart(client)
    restarted_at = time.time()
    results = await asyncio.wait_for(coordinator.result(), 300)
    finished_at = time.time()

    assert [result.run_id for result in results] == run_ids
    assert all(result.status == RunStatus.SUCCEEDED for result in results), [
        (result.run_id, result.status, result.error_type, result.error) for result in results
    ]
    for result in results:
        assert result.training is not None
        assert result.training.global_step == MAX_STEPS
        assert result.training.resumed_from is None, "training restarted though no worker died"
    for training in trainings:
        runs = await activity_runs(training, FINE_TUNE_ACTIVITY)
        assert [(run.outcome, run.attempt) for run in runs] == [("completed", 1)], runs
    assert progress.step < MAX_STEPS, "training ended before the kill: make it longer"
    fault_env.report.record(
        "3-workflow-worker-kill",
        step_at_kill=progress.step,
        workflow_worker_down_s=round(restarted_at - killed_at, 2),
        fine_tune_attempts_per_run=1,
        steps_lost=0,
        restart_to_coordinator_done_s=round(finished_at - restarted_at, 2),
    )
