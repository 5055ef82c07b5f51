"""The Temporal activities: each runs its synchronous core in a thread, keeping the loop free.

``fine_tune_bert`` heartbeats a ``TrainingProgress`` (with ``last_checkpoint``) every second
from the async side, signals ``update_checkpoint`` to its owning workflow after every checkpoint
save and ``report_progress`` every ``execution.progress_interval_s`` (plus at start and end),
through ``activity.client()``. A cancel stops training at the next step with a checkpoint and
ends the activity as cancelled; a worker shutdown does the same but fails the attempt retryably
(``WorkerShutdownError``) so the next attempt resumes elsewhere.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from bert_types.checkpoint import CheckpointInfo, TrainingPhase, TrainingProgress
from bert_types.evaluation import BertEvalRequest, BertEvalResult
from bert_types.fine_tune import BertFineTuneRequest, BertFineTuneResult
from bert_types.inference import BertInferenceRequest, BertInferenceResult
from bert_types.names import (
    EVALUATE_ACTIVITY,
    FINE_TUNE_ACTIVITY,
    INFERENCE_ACTIVITY,
    REPORT_PROGRESS_SIGNAL,
    SNAPSHOT_ACTIVITY,
    UPDATE_CHECKPOINT_SIGNAL,
)
from bert_types.snapshot import DatasetSnapshotRequest, DatasetSnapshotResult
from pydantic import BaseModel, ValidationError
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError

from bert_activities.evaluation import evaluate
from bert_activities.failures import WORKER_SHUTDOWN
from bert_activities.inference import predict
from bert_activities.snapshot import create_snapshot
from bert_activities.training import fine_tune
from bert_activities.training_reporter import TrainingReporter, TrainingStopped

logger = logging.getLogger(__name__)

TICK_S = 1.0
"""How often the async side heartbeats and forwards checkpoints while a core runs."""
SIGNAL_TIMEOUT_S = 10.0
CANCELLED = "cancelled"
SHUTTING_DOWN = "worker shutting down"

RequestT = TypeVar("RequestT")
ResultT = TypeVar("ResultT")


async def _run_in_thread(core: Callable[[RequestT], ResultT], request: RequestT) -> ResultT:
    """Run ``core(request)`` in a thread, heartbeating while it runs."""
    task = asyncio.ensure_future(asyncio.to_thread(core, request))
    while not task.done():
        await asyncio.wait({task}, timeout=TICK_S)
        activity.heartbeat()
    return task.result()


@activity.defn(name=SNAPSHOT_ACTIVITY)
async def create_dataset_snapshot(request: DatasetSnapshotRequest) -> DatasetSnapshotResult:
    """Load, subsample and freeze a dataset under ``<snapshot_root>/<snapshot_id>``."""
    return await _run_in_thread(create_snapshot, request)


@activity.defn(name=EVALUATE_ACTIVITY)
async def evaluate_bert_model(request: BertEvalRequest) -> BertEvalResult:
    """Evaluate a completed run on a dataset split."""
    return await _run_in_thread(evaluate, request)


@activity.defn(name=INFERENCE_ACTIVITY)
async def run_bert_inference(request: BertInferenceRequest) -> BertInferenceResult:
    """Predict labels and confidences (or values) for a list of texts."""
    return await _run_in_thread(predict, request)


class _ActivityReporter(TrainingReporter):
    """Collects checkpoints saved by the training thread for the async side to signal."""

    def __init__(self) -> None:
        super().__init__()
        self._unsent: list[CheckpointInfo] = []

    def checkpoint_saved(self, checkpoint: CheckpointInfo) -> None:
        super().checkpoint_saved(checkpoint)
        with self._lock:
            self._unsent.append(checkpoint)

    def take_unsent(self) -> list[CheckpointInfo]:
        with self._lock:
            unsent, self._unsent = self._unsent, []
        return unsent


class _WorkflowSignaller:
    """Signals the activity's owning workflow; failures are logged, never raised."""

    def __init__(self, handle: WorkflowHandle[Any, Any] | None) -> None:
        self._handle = handle

    @classmethod
    def for_current_activity(cls) -> "_WorkflowSignaller":
        info = activity.info()
        if not info.workflow_id:
            return cls(None)
        try:
            client = activity.client()
        except RuntimeError:
            logger.info("no Temporal client in this activity context: progress signals skipped")
            return cls(None)
        return cls(client.get_workflow_handle(info.workflow_id))

    async def send(self, name: str, payload: BaseModel) -> None:
        if self._handle is None:
            return
        try:
            await asyncio.wait_for(self._handle.signal(name, payload), SIGNAL_TIMEOUT_S)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.warning(
                "signal %s to workflow %s failed (training goes on): %s",
                name,
                self._handle.id,
                error,
            )


def _heartbeat_checkpoint() -> CheckpointInfo | None:
    """The last checkpoint named in the previous attempt's heartbeat, if any."""
    details = activity.info().heartbeat_details
    if not details:
        return None
    last = details[-1]
    try:
        progress = (
            last if isinstance(last, TrainingProgress) else TrainingProgress.model_validate(last)
        )
    except ValidationError:
        logger.warning("ignoring unreadable heartbeat details of the previous attempt")
        return None
    return progress.last_checkpoint


@activity.defn(name=FINE_TUNE_ACTIVITY)
async def fine_tune_bert(request: BertFineTuneRequest) -> BertFineTuneResult:
    """Fine-tune one run, resuming from its newest checkpoint; see the module docstring."""
    reporter = _ActivityReporter()
    signaller = _WorkflowSignaller.for_current_activity()
    attempt = activity.info().attempt
    previous = _heartbeat_checkpoint()
    pending = TrainingProgress(
        run_id=request.run_id,
        phase=TrainingPhase.TRAINING,
        attempt=attempt,
        last_checkpoint=request.resume_from_checkpoint or previous,
    )
    task = asyncio.ensure_future(asyncio.to_thread(fine_tune, request, reporter, previous))
    next_progress_at = 0.0
    interval = request.config.execution.progress_interval_s

    async def forward(final: bool = False) -> None:
        nonlocal next_progress_at
        progress = (reporter.latest() or pending).model_copy(update={"attempt": attempt})
        activity.heartbeat(progress)
        for checkpoint in reporter.take_unsent():
            await signaller.send(UPDATE_CHECKPOINT_SIGNAL, checkpoint)
        if final or time.monotonic() >= next_progress_at:
            await signaller.send(REPORT_PROGRESS_SIGNAL, progress)
            next_progress_at = time.monotonic() + interval

    try:
        await forward()
        while not task.done():
            await asyncio.wait({task}, timeout=TICK_S)
            if activity.is_worker_shutdown():
                reporter.request_stop(SHUTTING_DOWN)
            await forward(final=task.done())
    except asyncio.CancelledError:
        shutdown = activity.is_worker_shutdown()
        reporter.request_stop(SHUTTING_DOWN if shutdown else CANCELLED)
        await _wait_uncancellable(task)
        await _final_forward(forward)
        if shutdown:
            raise _shutdown_error(task) from None
        raise
    try:
        return task.result()
    except TrainingStopped as stopped:
        if stopped.reason == SHUTTING_DOWN:
            raise _shutdown_error(task) from stopped
        raise asyncio.CancelledError(str(stopped)) from stopped


async def _wait_uncancellable(task: "asyncio.Future[Any]") -> None:
    """Wait for the training thread to finish, whatever cancels arrive meanwhile."""
    while not task.done():
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            continue


async def _final_forward(forward: Callable[..., Any]) -> None:
    try:
        await forward(final=True)
    except Exception as error:
        logger.warning("final progress report failed: %s", error)


def _shutdown_error(task: "asyncio.Future[Any]") -> ApplicationError:
    error = task.exception() if task.done() else None
    where = (
        f"checkpoint step {error.checkpoint.step}"
        if isinstance(error, TrainingStopped) and error.checkpoint is not None
        else "its newest checkpoint"
    )
    return ApplicationError(
        f"the activity worker is shutting down; training stopped and will resume from {where}",
        type=WORKER_SHUTDOWN,
        non_retryable=False,
    )


TRAINING_ACTIVITY_FUNCTIONS = (create_dataset_snapshot, fine_tune_bert)
"""Activities of the training (GPU) fleet."""
EVAL_ACTIVITY_FUNCTIONS = (evaluate_bert_model, run_bert_inference)
"""Activities of the eval (CPU) fleet."""
