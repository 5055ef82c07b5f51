"""The workflow worker as its own OS process (torch refused), with activities faked in-process.

Fast checks of the worker entry point: it polls both queues, routes training children of an
input without ``training_task_queue`` to its own ``--training-task-queue``, runs a coordinator,
survives ``kill -9`` mid-run (a restarted worker replays and finishes the workflow), shuts down
cleanly on SIGTERM, and never loads torch, transformers, datasets or bert_activities.
"""

import asyncio
import uuid
from pathlib import Path
from typing import Any

from bert_types import (
    BertEvalRequest,
    BertEvalResult,
    BertFineTuneConfig,
    BertFineTuneRequest,
    BertFineTuneResult,
    CoordinatorWorkflowConfig,
    CoordinatorWorkflowInput,
    ExecutionPolicy,
    RunStatus,
)
from bert_types.names import COORDINATOR_WORKFLOW, EVALUATE_ACTIVITY, FINE_TUNE_ACTIVITY
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from tests.fleet import Fleets
from tests.workflows.fakes import eval_result, fine_tune_result
from tests.workflows.test_workflow_units import fake_snapshot


async def test_workflow_worker_process_runs_survives_kill_and_stops_cleanly(
    temporal_env: Any, tmp_path: Path
) -> None:
    client: Client = temporal_env.client
    suffix = uuid.uuid4().hex[:8]
    training_queue, eval_queue = f"proc-training-{suffix}", f"proc-eval-{suffix}"
    release_training = asyncio.Event()

    @activity.defn(name=FINE_TUNE_ACTIVITY)
    async def gated_fine_tune(request: BertFineTuneRequest) -> BertFineTuneResult:
        while not release_training.is_set():
            activity.heartbeat()
            await asyncio.sleep(0.1)
        return fine_tune_result(request)

    @activity.defn(name=EVALUATE_ACTIVITY)
    async def fake_evaluate(request: BertEvalRequest) -> BertEvalResult:
        return eval_result(request)

    workflow_worker = Fleets(
        client.service_client.config.target_host,
        client.namespace,
        training_queue,
        eval_queue,
        log_dir=tmp_path,
    ).workflow
    experiment = CoordinatorWorkflowInput(
        configs=[
            CoordinatorWorkflowConfig(
                fine_tune=BertFineTuneConfig(
                    model_name="tiny",
                    dataset_name=f"data-{index}",
                    execution=ExecutionPolicy(heartbeat_timeout_s=10),
                )
            )
            for index in range(2)
        ],  # no training_task_queue: the worker routes the default name to training_queue
    )
    async with (
        Worker(client, task_queue=training_queue, activities=[fake_snapshot, gated_fine_tune]),
        Worker(client, task_queue=eval_queue, activities=[fake_evaluate]),
    ):
        workflow_worker.start()
        try:
            await workflow_worker.wait_until_polling(client)
            handle = await client.start_workflow(
                COORDINATOR_WORKFLOW,
                experiment,
                id=f"proc-{suffix}",
                task_queue=eval_queue,
                result_type=list[BertEvalResult],
            )
            training_child = client.get_workflow_handle(f"proc-{suffix}/train/proc-{suffix}-1")
            for _ in range(100):
                try:
                    await training_child.describe()
                    break
                except Exception:
                    await asyncio.sleep(0.1)
            assert workflow_worker.kill() == -9
            release_training.set()
            await workflow_worker.restart(client)
            results = await asyncio.wait_for(handle.result(), timeout=60)
        finally:
            status = workflow_worker.stop(timeout_s=30)
    log = workflow_worker.log()
    assert [r.status for r in results] == [RunStatus.SUCCEEDED] * 2, log
    assert [r.run_id for r in results] == [f"proc-{suffix}-0", f"proc-{suffix}-1"]
    assert status == 0, log
    assert workflow_worker.starts == 2
    assert "SIGTERM received" in log
    assert "REFUSED IMPORT" not in log
    assert "heavy modules loaded at exit: []" in log
    assert f"polling {training_queue}" in log
    assert f"polling {eval_queue}" in log
