"""Issue 6, case 7: cancelling a coordinator cancels its children and stops training cleanly.

The fine-tune activity learns of the cancellation at its next heartbeat, stops at the next step
boundary, saves a checkpoint and reports cancellation; the workers then take new work.
"""

import asyncio
import time
import uuid

import pytest
from bert_types.names import FINE_TUNE_ACTIVITY
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import CancelledError

from tests.faults.environment import FaultEnv
from tests.faults.history import activity_runs
from tests.faults.runs import (
    checkpoint_steps_on_disk,
    last_logged_step,
    progress_of,
    run_training,
    start_coordinator,
    training_handle_of,
    wait_for_checkpoint,
)
from tests.faults.settings import HEARTBEAT_TIMEOUT_S


@pytest.mark.slow
async def test_cancel_coordinator_stops_training_with_a_checkpoint(fault_env: FaultEnv) -> None:
    fault_client = fault_env.client
    tag = uuid.uuid4().hex[:6]
    run_id = f"cancel-{tag}"
    config = fault_env.config(run_id, max_steps=100_000, checkpoint_steps=10)
    coordinator = await start_coordinator(fault_client, [config], f"exp-cancel-{tag}")
    training = await training_handle_of(fault_client, coordinator, run_id)
    await wait_for_checkpoint(training, min_step=10)

    progress = await progress_of(training)
    assert progress is not None
    cancelled_at = time.time()
    await coordinator.cancel()
    with pytest.raises(WorkflowFailureError) as ended:
        await asyncio.wait_for(coordinator.result(), 120)
    assert isinstance(ended.value.cause, CancelledError)
    coordinator_done_at = time.time()

    assert (await training.describe()).status == WorkflowExecutionStatus.CANCELED
    runs = await activity_runs(training, FINE_TUNE_ACTIVITY)
    assert [run.outcome for run in runs] == ["canceled"], runs
    stopped_at = runs[0].ended_at
    assert stopped_at is not None
    stop_latency_s = stopped_at.timestamp() - cancelled_at
    assert stop_latency_s < HEARTBEAT_TIMEOUT_S + 10
    steps = checkpoint_steps_on_disk(fault_env.artifact_root / run_id)
    assert steps, "no checkpoint left after cancellation"
    assert max(steps) >= progress.step, "the cancelled run saved no checkpoint at its last step"
    final = await progress_of(training)
    logged_step_at_cancel = last_logged_step(fault_env.training_log(), run_id, before=cancelled_at)
    assert final is not None
    assert final.step == max(steps), "training went on after its last checkpoint"

    fault_env.assert_fleets_running()
    after = await run_training(
        fault_client, fault_env.config(f"after-cancel-{tag}", max_steps=2), timeout_s=120
    )
    assert after.global_step == 2
    fault_env.report.record(
        "7-cancel-coordinator",
        step_at_cancel_request=progress.step,
        newest_checkpoint_after_stop=max(steps),
        final_reported_step=final.step,
        step_logged_at_cancel_request=logged_step_at_cancel,
        steps_run_after_cancel_request=max(steps) - (logged_step_at_cancel or progress.step),
        cancel_to_activity_stopped_s=round(stop_latency_s, 2),
        cancel_to_coordinator_cancelled_s=round(coordinator_done_at - cancelled_at, 2),
        heartbeat_timeout_s=HEARTBEAT_TIMEOUT_S,
        next_run_after_cancel_succeeded=True,
    )
