"""Start runs and watch them: training workflows, coordinators, progress and checkpoints."""

import asyncio
import re
import time
import uuid
from datetime import datetime
from pathlib import Path

from bert_types.checkpoint import CheckpointInfo, TrainingProgress
from bert_types.coordinator import (
    CoordinatorWorkflowConfig,
    CoordinatorWorkflowInput,
    ExperimentProgress,
)
from bert_types.evaluation import BertEvalResult
from bert_types.fine_tune import BertFineTuneResult
from bert_types.fine_tune_config import BertFineTuneConfig
from bert_types.names import (
    COORDINATOR_WORKFLOW,
    EVAL_TASK_QUEUE,
    GET_LATEST_CHECKPOINT_QUERY,
    GET_PROGRESS_QUERY,
    TRAINING_TASK_QUEUE,
    TRAINING_WORKFLOW,
)
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

POLL_S = 0.1


async def start_training(
    client: Client, config: BertFineTuneConfig
) -> WorkflowHandle[object, BertFineTuneResult]:
    """Start a training workflow on the training queue."""
    return await client.start_workflow(
        TRAINING_WORKFLOW,
        config,
        id=f"train-{config.run_id or 'run'}-{uuid.uuid4().hex[:6]}",
        task_queue=TRAINING_TASK_QUEUE,
        result_type=BertFineTuneResult,
    )


async def run_training(
    client: Client, config: BertFineTuneConfig, timeout_s: float = 300
) -> BertFineTuneResult:
    """Train ``config`` to the end and return its result."""
    handle = await start_training(client, config)
    return await asyncio.wait_for(handle.result(), timeout_s)


async def start_coordinator(
    client: Client,
    configs: list[BertFineTuneConfig],
    experiment_id: str,
) -> WorkflowHandle[object, list[BertEvalResult]]:
    """Start a coordinator that trains then evaluates every config."""
    experiment = CoordinatorWorkflowInput(
        experiment_id=experiment_id,
        configs=[CoordinatorWorkflowConfig(fine_tune=config) for config in configs],
    )
    return await client.start_workflow(
        COORDINATOR_WORKFLOW,
        experiment,
        id=experiment_id,
        task_queue=EVAL_TASK_QUEUE,
        result_type=list[BertEvalResult],
    )


async def training_handle_of(
    client: Client, coordinator: WorkflowHandle, run_id: str, timeout_s: float = 60
) -> WorkflowHandle:
    """The training child of ``run_id`` in a coordinator, once the coordinator names it."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            progress: ExperimentProgress = await coordinator.query(
                GET_PROGRESS_QUERY, result_type=ExperimentProgress
            )
        except RPCError:
            progress = ExperimentProgress(experiment_id=coordinator.id, runs=[])
        run_ids = [run.run_id for run in progress.runs]
        if run_id in run_ids and progress.training_workflow_ids:
            return client.get_workflow_handle(progress.training_workflow_ids[run_ids.index(run_id)])
        if time.monotonic() > deadline:
            raise TimeoutError(f"coordinator {coordinator.id} never named run {run_id}")
        await asyncio.sleep(POLL_S)


async def progress_of(training: WorkflowHandle) -> TrainingProgress | None:
    """The training workflow's progress, or None while it cannot answer yet."""
    try:
        progress: TrainingProgress = await training.query(
            GET_PROGRESS_QUERY, result_type=TrainingProgress
        )
    except RPCError:
        return None
    return progress


async def wait_for_step(
    training: WorkflowHandle, step: int, timeout_s: float = 120
) -> TrainingProgress:
    """Poll the training workflow until its reported step reaches ``step``."""
    deadline = time.monotonic() + timeout_s
    while True:
        progress = await progress_of(training)
        if progress is not None and progress.step >= step:
            return progress
        if time.monotonic() > deadline:
            raise TimeoutError(f"{training.id} did not reach step {step}: {progress}")
        await asyncio.sleep(POLL_S)


async def wait_for_checkpoint(
    training: WorkflowHandle, min_step: int = 1, timeout_s: float = 120
) -> CheckpointInfo:
    """Poll the training workflow until it was signalled a checkpoint at ``min_step`` or later."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            checkpoint: CheckpointInfo | None = await training.query(
                GET_LATEST_CHECKPOINT_QUERY, result_type=CheckpointInfo | None
            )
        except RPCError:
            checkpoint = None
        if checkpoint is not None and checkpoint.step >= min_step:
            return checkpoint
        if time.monotonic() > deadline:
            raise TimeoutError(f"{training.id} reported no checkpoint at step >= {min_step}")
        await asyncio.sleep(POLL_S)


def checkpoint_steps_on_disk(run_dir: Path) -> list[int]:
    """Steps of the ``checkpoint-<step>`` folders in a run folder, ascending."""
    if not run_dir.is_dir():
        return []
    steps = []
    for child in run_dir.iterdir():
        prefix, _, number = child.name.partition("-")
        if prefix == "checkpoint" and number.isdigit() and child.is_dir():
            steps.append(int(number))
    return sorted(steps)


def last_logged_step(worker_log: str, run_id: str, before: float | None = None) -> int | None:
    """The last ``run <id>: step N/...`` the training worker logged (before epoch ``before``).

    For measurements only: it reads the worker's log lines and their local timestamps.
    """
    pattern = re.compile(
        rf"^(\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}}) .*run {re.escape(run_id)}: step (\d+)/",
        re.MULTILINE,
    )
    last: int | None = None
    for stamp, step in pattern.findall(worker_log):
        if before is not None:
            logged = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
            if logged > before:
                break
        last = int(step)
    return last


async def started_activity(handle: WorkflowHandle, timeout_s: float = 60) -> PendingActivityInfo:
    """The workflow's pending activity once a worker has started it (identity, start time)."""
    from temporalio.api.enums.v1 import PendingActivityState

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        description = await handle.describe()
        for pending in description.raw_description.pending_activities:
            if pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED:
                return pending
        await asyncio.sleep(POLL_S)
    raise TimeoutError(f"no worker started an activity of {handle.id}")
