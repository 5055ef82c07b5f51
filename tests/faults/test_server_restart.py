"""Issue 6, case 4: stop and restart the Temporal server (SQLite state file) while a run trains.

The server process is stopped (SIGTERM) mid-training and started again on the same port with the
same database file. Workers and the client reconnect on their own. The run completes, and no
fine-tune attempt after the first one starts from scratch: a retry either resumes from a
checkpoint or, when the lost attempt had in fact finished, returns that completed run.
"""

import asyncio
import time
import uuid

import pytest
from bert_types.evaluation import RunStatus
from bert_types.fine_tune import BertFineTuneRequest
from bert_types.names import FINE_TUNE_ACTIVITY

from tests.faults.environment import FaultEnv
from tests.faults.history import activity_inputs, activity_runs
from tests.faults.runs import (
    start_coordinator,
    training_handle_of,
    wait_for_checkpoint,
)

MAX_STEPS = 600
SERVER_DOWN_S = 2.0


@pytest.mark.slow
async def test_server_restart_mid_training_run_completes(fault_env: FaultEnv) -> None:
    fault_client, fault_server = fault_env.client, fault_env.server
    tag = uuid.uuid4().hex[:6]
    run_id = f"server-restart-{tag}"
    config = fault_env.config(run_id, max_steps=MAX_STEPS, checkpoint_steps=10)
    coordinator = await start_coordinator(fault_client, [config], f"exp-server-restart-{tag}")
    training = await training_handle_of(fault_client, coordinator, run_id)
    checkpoint = await wait_for_checkpoint(training, min_step=10)

    stopped_at = time.time()
    fault_server.stop()
    await asyncio.sleep(SERVER_DOWN_S)
    startup_s = fault_server.start() + await fault_server.wait_until_healthy()
    restarted_at = time.time()
    results = await asyncio.wait_for(coordinator.result(), 300)
    finished_at = time.time()

    assert [result.status for result in results] == [RunStatus.SUCCEEDED], results
    trained = results[0].training
    assert trained is not None
    assert trained.global_step == MAX_STEPS
    runs = await activity_runs(training, FINE_TUNE_ACTIVITY)
    requests = await activity_inputs(training, FINE_TUNE_ACTIVITY, BertFineTuneRequest)
    assert runs[-1].outcome == "completed", runs
    from_scratch = [r for r in requests if r.resume_from_checkpoint is None]
    assert len(from_scratch) == 1, "a retry after the restart trained from scratch"
    reused_completed_run = f"run {run_id} already completed for this config" in (
        fault_env.training_log()
    )
    if len(runs) > 1 and not reused_completed_run:
        assert trained.resumed_from is not None, "a retry did not resume from a checkpoint"
        assert trained.resumed_from.step >= checkpoint.step
    fault_env.assert_fleets_running()
    fault_env.report.record(
        "4-server-restart",
        checkpoint_before_stop=checkpoint.step,
        server_down_s=round(restarted_at - stopped_at, 2),
        server_startup_s=round(startup_s, 2),
        fine_tune_attempts=len(runs),
        attempt_outcomes=[run.outcome for run in runs],
        resumed_from_step=trained.resumed_from.step if trained.resumed_from else None,
        trained_from_scratch=len(from_scratch),
        retry_returned_the_completed_run=reused_completed_run,
        restart_to_coordinator_done_s=round(finished_at - restarted_at, 2),
    )
