"""Issue 6, case 8: every bad input fails once, fast, with a typed error, and disturbs nothing.

The table runs while one good coordinator trains on the same fleets; that run must still succeed.
"""

import asyncio
import time
import uuid

import pytest
from bert_types.evaluation import RunStatus
from pydantic import ValidationError
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError

from tests.faults.bad_input_cases import BAD_INPUTS, BadInput, CaseContext
from tests.faults.environment import FaultEnv
from tests.faults.history import activity_runs, application_error, count_events, failure_text
from tests.faults.runs import start_coordinator, training_handle_of, wait_for_step

CASE_DEADLINE_S = 30.0
GOOD_RUN_STEPS = 3000
"""Long enough to train through the whole table."""


@pytest.fixture(scope="module")
async def good_run_in_flight(fault_session: FaultEnv) -> WorkflowHandle:
    """A good coordinator that is training while the table runs."""
    run_id = f"good-in-flight-{uuid.uuid4().hex[:8]}"
    config = fault_session.config(
        run_id, max_steps=GOOD_RUN_STEPS, checkpoint_steps=50, save_total_limit=1
    )
    handle = await start_coordinator(fault_session.client, [config], f"exp-{run_id}")
    began = time.monotonic()
    training = await training_handle_of(fault_session.client, handle, run_id)
    await wait_for_step(training, 1, timeout_s=120)
    fault_session.report.record("setup", good_run_first_step_s=round(time.monotonic() - began, 1))
    return handle


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[case.case_id for case in BAD_INPUTS])
async def test_bad_input_fails_once_fast_and_typed(
    case: BadInput, fault_env: FaultEnv, good_run_in_flight: WorkflowHandle
) -> None:
    fault_client = fault_env.client
    context = CaseContext(
        tiny_model_dir=fault_env.model_dir,
        data=fault_env.data,
        artifact_root=fault_env.artifact_root,
        snapshot_root=fault_env.snapshot_root,
        trained_run_id=fault_env.trained_run_id,
    )
    run_id = f"bad-{case.case_id}-{uuid.uuid4().hex[:6]}"
    payload = case.payload(context, run_id)
    fragment = case.fragment.format(run_id=run_id).lower()
    figures: dict[str, object] = {"expected_type": case.error_type}

    if case.contract:
        began = time.monotonic()
        with pytest.raises(ValidationError) as rejected:
            case.target.model.model_validate(payload)
        figures["client_rejected_s"] = round(time.monotonic() - began, 4)
        assert fragment in str(rejected.value).lower()

    began = time.monotonic()
    if case.server_refuses_raw:
        with pytest.raises(RPCError) as refused:
            await fault_client.start_workflow(
                case.target.name, payload, id=run_id, task_queue=case.target.task_queue
            )
        figures["raw_outcome"] = f"start refused by the server: {refused.value.message[:80]}"
        with pytest.raises(RPCError):
            await fault_client.get_workflow_handle(run_id).describe()
    else:
        handle = await fault_client.start_workflow(
            case.target.name, payload, id=run_id, task_queue=case.target.task_queue
        )
        with pytest.raises(WorkflowFailureError) as failed:
            await asyncio.wait_for(handle.result(), CASE_DEADLINE_S)
        elapsed = time.monotonic() - began
        error = application_error(failed.value)
        text = failure_text(failed.value)
        assert error is not None, text
        assert error.type == case.error_type, text
        assert fragment in text.lower(), text
        assert elapsed < CASE_DEADLINE_S
        assert await count_events(handle, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) == 0
        runs = await activity_runs(handle)
        if case.contract or not case.reaches_activity:
            assert runs == [], f"a rejected input scheduled activities: {runs}"
        else:
            failing = [run for run in runs if run.outcome == "failed"]
            assert len(failing) == 1, runs
            assert all(run.attempt == 1 for run in runs), runs
            same_activity = [run for run in runs if run.name == failing[0].name]
            assert len(same_activity) == 1, runs
            figures["failed_activity"] = failing[0].name
        figures["failed_after_s"] = round(elapsed, 2)
        figures["message"] = text[-300:]
    fault_env.assert_fleets_running()
    good_run_status = (await good_run_in_flight.describe()).status
    assert good_run_status in (
        WorkflowExecutionStatus.RUNNING,
        WorkflowExecutionStatus.COMPLETED,
    ), f"the good run in flight ended {good_run_status}"
    fault_env.report.record(f"bad-input/{case.case_id}", **figures)


async def test_good_run_in_flight_succeeds(
    good_run_in_flight: WorkflowHandle, fault_env: FaultEnv
) -> None:
    """The coordinator that trained during the whole table completes with a good result."""
    still_running = (await good_run_in_flight.describe()).close_time is None
    results = await asyncio.wait_for(good_run_in_flight.result(), 300)
    assert len(results) == 1
    result = results[0]
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert result.training is not None
    assert result.training.global_step == GOOD_RUN_STEPS
    assert result.num_samples > 0
    fault_env.assert_fleets_running()
    fault_env.report.record(
        "bad-input/good-run-in-flight",
        running_when_table_ended=still_running,
        global_step=result.training.global_step,
        accuracy=result.accuracy,
    )
    assert still_running, "the good run ended before the table did: make it longer"
