"""The async SDK: start experiments, follow their progress, fetch results, infer, evaluate, cancel.

Every call goes to Temporal by workflow and query *names* from ``bert_types.names``; the SDK never
imports the workflows or activities. Temporal errors are raised as :mod:`bert_client.errors` types.
"""

import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from bert_types import (
    BertEvalRequest,
    BertEvalResult,
    BertInferenceRequest,
    BertInferenceResult,
    CheckpointInfo,
    CoordinatorWorkflowInput,
    ExperimentProgress,
    TemporalConnectionSettings,
    TrainingPhase,
    TrainingProgress,
    connect,
)
from bert_types import names as bert_names
from pydantic import BaseModel
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy

from bert_client.errors import (
    BertClientError,
    QueryFailedError,
    ServerUnavailableError,
    WorkflowNotFoundError,
    translate_temporal_error,
)

if TYPE_CHECKING:
    from bert_types import SweepConfig

    from bert_client.sweeps import SweepHandle

T = TypeVar("T")

LIVE_PHASES = frozenset({TrainingPhase.PENDING, TrainingPhase.SNAPSHOTTING, TrainingPhase.TRAINING})
"""Phases in which a run's own training workflow knows more than its coordinator."""
QUERY_TIMEOUT = timedelta(seconds=10)


@dataclass(frozen=True)
class WorkflowSummary:
    """What the server says about one workflow: its type, status and times."""

    workflow_id: str
    workflow_type: str
    status: str
    start_time: datetime | None
    close_time: datetime | None
    task_queue: str


def new_experiment_id() -> str:
    """A fresh coordinator workflow id: ``experiment-<UTC time>-<8 hex>``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"experiment-{stamp}-{uuid.uuid4().hex[:8]}"


class BertClient:
    """Async client of a bert-parallel deployment (any Temporal server running its fleets)."""

    def __init__(
        self, client: Client, *, eval_task_queue: str | None = None, address: str | None = None
    ) -> None:
        """Wrap a connected Temporal client (it must use the pydantic data converter)."""
        self.temporal = client
        self.address = address or client.service_client.config.target_host
        self.eval_task_queue = (
            eval_task_queue
            or os.environ.get(bert_names.ENV_EVAL_TASK_QUEUE)
            or bert_names.EVAL_TASK_QUEUE
        )

    @classmethod
    async def connect(
        cls,
        settings: TemporalConnectionSettings | None = None,
        *,
        eval_task_queue: str | None = None,
    ) -> "BertClient":
        """Connect with explicit settings, falling back to ``TEMPORAL_*`` environment variables."""
        settings = settings or TemporalConnectionSettings()
        try:
            client = await connect(settings)
        except RuntimeError as error:
            where = settings.address or os.environ.get("TEMPORAL_ADDRESS") or "localhost:7233"
            raise ServerUnavailableError(
                f"cannot connect to Temporal at {where}: {error}. Start a local stack with "
                "`bert dev`, or pass --address / set TEMPORAL_ADDRESS"
            ) from None
        return cls(client, eval_task_queue=eval_task_queue)

    async def _call(self, workflow_id: str, action: Callable[[], Awaitable[T]]) -> T:
        try:
            return await action()
        except BertClientError:
            raise
        except Exception as error:
            raise translate_temporal_error(error, workflow_id, self.address) from error

    # Experiments -------------------------------------------------------------------------------

    async def start_experiment(
        self, experiment: CoordinatorWorkflowInput, *, experiment_id: str | None = None
    ) -> "ExperimentHandle":
        """Start a coordinator; its id is ``experiment_id``, else the file's, else a new one.

        An id may be reused only after its experiment failed, was cancelled or terminated.
        """
        workflow_id = experiment_id or experiment.experiment_id or new_experiment_id()
        payload = experiment.model_copy(update={"experiment_id": workflow_id})
        await self._call(
            workflow_id,
            lambda: self.temporal.start_workflow(
                bert_names.COORDINATOR_WORKFLOW,
                payload,
                id=workflow_id,
                task_queue=self.eval_task_queue,
                result_type=list[BertEvalResult],
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            ),
        )
        return ExperimentHandle(self, workflow_id)

    def get_experiment(self, experiment_id: str) -> "ExperimentHandle":
        """A handle on an existing experiment (coordinator workflow id)."""
        return ExperimentHandle(self, experiment_id)

    async def run_experiment(self, experiment: CoordinatorWorkflowInput) -> list[BertEvalResult]:
        """Start ``experiment`` and wait for one result per config, in input order."""
        return await (await self.start_experiment(experiment)).result()

    async def experiment_results(self, experiment_id: str) -> list[BertEvalResult]:
        """Wait for (or fetch) the results of an experiment."""
        handle = self.temporal.get_workflow_handle(experiment_id, result_type=list[BertEvalResult])
        return await self._call(experiment_id, handle.result)

    async def experiment_progress(
        self, experiment_id: str, *, live: bool = True
    ) -> ExperimentProgress:
        """Every config's phase, step, loss and (once evaluated) result, in input order.

        The coordinator knows phases and final figures; with ``live`` the step, loss and ETA
        figures of configs still training come from their training workflows.
        """
        progress = await self._query(
            experiment_id, bert_names.GET_PROGRESS_QUERY, ExperimentProgress
        )
        if not live:
            return progress
        for index, run in enumerate(progress.runs):
            if run.phase not in LIVE_PHASES or index >= len(progress.training_workflow_ids):
                continue
            try:
                child = await self._query(
                    progress.training_workflow_ids[index],
                    bert_names.GET_PROGRESS_QUERY,
                    TrainingProgress,
                )
            except (WorkflowNotFoundError, QueryFailedError):
                continue
            if child.phase in LIVE_PHASES:
                progress.runs[index] = child
        return progress

    # Single runs -------------------------------------------------------------------------------

    async def training_progress(self, workflow_id: str) -> TrainingProgress:
        """Progress of one training workflow (``<experiment>/train/<run>`` or a run id)."""
        resolved = await self.resolve_training_workflow(workflow_id)
        return await self._query(resolved, bert_names.GET_PROGRESS_QUERY, TrainingProgress)

    async def latest_checkpoint(self, run: str) -> CheckpointInfo | None:
        """The newest complete checkpoint the run's training workflow knows of, if any."""
        resolved = await self.resolve_training_workflow(run)
        result: CheckpointInfo | None = await self._query(
            resolved,
            bert_names.GET_LATEST_CHECKPOINT_QUERY,
            CheckpointInfo | None,  # type: ignore[arg-type]
        )
        return result

    async def resolve_training_workflow(self, run: str) -> str:
        """Find the training workflow id of ``run``: a workflow id as is, else the newest
        ``*/train/<run>`` (or a standalone workflow named ``run``) known to the server."""
        if "/" in run:
            return run
        query = f"WorkflowType = '{bert_names.TRAINING_WORKFLOW}'"
        newest: tuple[datetime, str] | None = None

        async def scan() -> None:
            nonlocal newest
            async for execution in self.temporal.list_workflows(query):
                matches = execution.id == run or execution.id.endswith(f"/train/{run}")
                if matches and (newest is None or execution.start_time > newest[0]):
                    newest = (execution.start_time, execution.id)

        await self._call(run, scan)
        if newest is None:
            raise WorkflowNotFoundError(
                f"no training workflow for run {run!r} on {self.address}; pass the workflow id "
                "(<experiment id>/train/<run id>) or check the run id with `bert status`"
            )
        return newest[1]

    # Sweeps (implemented in bert_client.sweeps) ---------------------------------------------------

    async def start_sweep(
        self, config: "SweepConfig", *, sweep_id: str | None = None
    ) -> "SweepHandle":
        """Start a hyperparameter sweep; watch, stop or await it through the returned handle."""
        from bert_client.sweeps import start_sweep

        return await start_sweep(self, config, sweep_id=sweep_id)

    def get_sweep(self, sweep_id: str) -> "SweepHandle":
        """A handle on an existing sweep (leaderboard, watch, stop, result)."""
        from bert_client.sweeps import SweepHandle

        return SweepHandle(self, sweep_id)

    # Inference and evaluation ------------------------------------------------------------------

    async def infer(
        self, request: BertInferenceRequest, *, workflow_id: str | None = None
    ) -> BertInferenceResult:
        """Predict labels (or values) for ``request.texts`` with a trained run; input order kept."""
        return await self._execute_once(
            bert_names.INFERENCE_WORKFLOW,
            request,
            workflow_id or _one_off_id("infer", request.run_id),
            BertInferenceResult,
        )

    async def evaluate(
        self, request: BertEvalRequest, *, workflow_id: str | None = None
    ) -> BertEvalResult:
        """Evaluate a trained run on a dataset split (standalone, outside any experiment)."""
        return await self._execute_once(
            bert_names.EVAL_WORKFLOW,
            request,
            workflow_id or _one_off_id("eval", request.run_id),
            BertEvalResult,
        )

    async def _execute_once(
        self, workflow: str, request: BaseModel, workflow_id: str, result_type: type[T]
    ) -> T:
        """Run ``workflow`` on the eval queue and wait for its result."""
        return await self._call(
            workflow_id,
            lambda: self.temporal.execute_workflow(
                workflow,
                request,
                id=workflow_id,
                task_queue=self.eval_task_queue,
                result_type=result_type,
            ),
        )

    # Any workflow ------------------------------------------------------------------------------

    async def cancel(self, workflow_id: str) -> None:
        """Ask a workflow (experiment, training, eval, inference) to cancel; children follow."""
        handle = self.temporal.get_workflow_handle(workflow_id)
        await self._call(workflow_id, handle.cancel)

    async def describe(self, workflow_id: str) -> WorkflowSummary:
        """Type, status and times of a workflow."""
        handle = self.temporal.get_workflow_handle(workflow_id)
        description = await self._call(workflow_id, handle.describe)
        status = description.status or WorkflowExecutionStatus.RUNNING
        return WorkflowSummary(
            workflow_id=workflow_id,
            workflow_type=description.workflow_type,
            status=status.name.lower(),
            start_time=description.start_time,
            close_time=description.close_time,
            task_queue=description.task_queue,
        )

    async def list_workflow_ids(self, query: str | None = None) -> list[str]:
        """Ids of the workflows matching a visibility ``query`` (all when ``None``)."""

        async def collect() -> list[str]:
            return [execution.id async for execution in self.temporal.list_workflows(query)]

        return await self._call(query or "(all)", collect)

    async def _query(self, workflow_id: str, query: str, result_type: type[T]) -> T:
        handle: WorkflowHandle[Any, Any] = self.temporal.get_workflow_handle(workflow_id)
        return await self._call(
            workflow_id,
            lambda: handle.query(query, result_type=result_type, rpc_timeout=QUERY_TIMEOUT),
        )


class ExperimentHandle:
    """A started experiment: its id, progress, results and cancellation."""

    def __init__(self, client: BertClient, experiment_id: str) -> None:
        """Refer to the coordinator workflow ``experiment_id`` through ``client``."""
        self.client = client
        self.experiment_id = experiment_id

    async def result(self) -> list[BertEvalResult]:
        """Wait for one result per config, in input order."""
        return await self.client.experiment_results(self.experiment_id)

    async def progress(self) -> ExperimentProgress:
        """Every config's progress as the coordinator knows it."""
        return await self.client.experiment_progress(self.experiment_id)

    async def cancel(self) -> None:
        """Cancel the experiment and its training and eval children."""
        await self.client.cancel(self.experiment_id)

    async def describe(self) -> WorkflowSummary:
        """Status and times of the coordinator."""
        return await self.client.describe(self.experiment_id)


def _one_off_id(kind: str, run_id: str | None) -> str:
    """A fresh workflow id for a one-off inference or evaluation of ``run_id``."""
    return f"{kind}-{run_id or 'model'}-{uuid.uuid4().hex[:8]}"
