"""Issue 6, case 2: kill -9 the eval worker mid-evaluation; the retry gives the same metrics.

An undisturbed evaluation of a trained run on 8,000 rows is the reference; the same evaluation
is started again, its worker killed while the activity runs, and a new worker started.
"""

import asyncio
import time
import uuid
from datetime import UTC
from pathlib import Path

import pytest
from bert_types.evaluation import BertEvalRequest, BertEvalResult
from bert_types.names import EVAL_TASK_QUEUE, EVAL_WORKFLOW, EVALUATE_ACTIVITY
from temporalio.client import Client, WorkflowHandle

from tests.faults.bad_data import LARGE_EVAL_ROWS, FaultData
from tests.faults.environment import FaultEnv
from tests.faults.history import activity_runs
from tests.faults.runs import started_activity
from tests.faults.settings import FAST_POLICY, HEARTBEAT_TIMEOUT_S


def eval_request(run_id: str, artifact_root: Path, data: FaultData) -> BertEvalRequest:
    """Evaluate ``run_id`` on the large validation split, in small batches."""
    return BertEvalRequest(
        run_id=run_id,
        artifact_root=str(artifact_root),
        dataset_name=str(data.sst2_large_eval),
        split="validation",
        batch_size=32,
        execution=FAST_POLICY,
    )


async def start_eval(client: Client, request: BertEvalRequest, name: str) -> WorkflowHandle:
    """Start an eval workflow on the eval queue."""
    return await client.start_workflow(
        EVAL_WORKFLOW,
        request,
        id=f"{name}-{uuid.uuid4().hex[:6]}",
        task_queue=EVAL_TASK_QUEUE,
        result_type=BertEvalResult,
    )


@pytest.mark.slow
async def test_eval_worker_killed_mid_evaluation_gives_same_metrics(
    fault_env: FaultEnv,
) -> None:
    fault_client, fleets = fault_env.client, fault_env.fleets
    request = eval_request(fault_env.trained_run_id, fault_env.artifact_root, fault_env.data)

    undisturbed_handle = await start_eval(fault_client, request, "eval-undisturbed")
    undisturbed: BertEvalResult = await asyncio.wait_for(undisturbed_handle.result(), 120)
    undisturbed_runs = await activity_runs(undisturbed_handle, EVALUATE_ACTIVITY)
    first = undisturbed_runs[0]
    assert first.started_at is not None
    assert first.ended_at is not None
    activity_s = (first.ended_at - first.started_at).total_seconds()

    disturbed_handle = await start_eval(fault_client, request, "eval-disturbed")
    pending = await started_activity(disturbed_handle)
    started = pending.last_started_time.ToDatetime(tzinfo=UTC).timestamp()
    await asyncio.sleep(max(0.0, started + activity_s * 0.4 - time.time()))
    killed_at = time.time()
    fleets.eval.kill()
    await fleets.eval.restart(fault_client)
    restarted_at = time.time()
    disturbed: BertEvalResult = await asyncio.wait_for(disturbed_handle.result(), 180)
    finished_at = time.time()

    runs = await activity_runs(disturbed_handle, EVALUATE_ACTIVITY)
    assert [run.outcome for run in runs] == ["completed"], runs
    assert runs[0].attempt == 2, f"the killed attempt was not retried: {runs}"
    assert disturbed.num_samples == undisturbed.num_samples == LARGE_EVAL_ROWS
    assert disturbed.metrics == pytest.approx(undisturbed.metrics, abs=1e-9)
    assert disturbed.accuracy == pytest.approx(undisturbed.accuracy, abs=1e-9)
    assert runs[0].started_at is not None
    fault_env.report.record(
        "2-eval-worker-kill",
        undisturbed_activity_s=round(activity_s, 2),
        killed_after_s=round(killed_at - started, 2),
        eval_worker_down_s=round(restarted_at - killed_at, 2),
        heartbeat_timeout_s=HEARTBEAT_TIMEOUT_S,
        attempts=runs[0].attempt,
        kill_to_retry_started_s=round(runs[0].started_at.timestamp() - killed_at, 2),
        kill_to_result_s=round(finished_at - killed_at, 2),
        accuracy_undisturbed=undisturbed.accuracy,
        accuracy_after_kill=disturbed.accuracy,
        metrics_equal=disturbed.metrics == undisturbed.metrics,
    )
