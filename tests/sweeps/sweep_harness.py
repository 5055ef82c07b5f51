"""Helpers of the sweep tests: workers, history checks, and activities mocked at their real names.

The mocked activities make the sweep workflow testable in seconds: ``fine_tune_bert`` "trains" to
``max_steps`` (or ``num_epochs * STEPS_PER_EPOCH``) and honours ``resume_from_checkpoint`` the way
the real one does; ``evaluate_bert_model`` scores a run from its learning rate and step count.
"""

import asyncio
import math
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bert_types import (
    BertEvalRequest,
    BertEvalResult,
    BertFineTuneRequest,
    BertFineTuneResult,
    CheckpointInfo,
    DatasetSnapshotRequest,
    DatasetSnapshotResult,
    SweepConfig,
    SweepLeaderboard,
    SweepWorkflowInput,
    TaskType,
)
from bert_types.errors import TEXT_FIELD_NOT_FOUND
from bert_types.names import (
    EVALUATE_ACTIVITY,
    FINE_TUNE_ACTIVITY,
    SNAPSHOT_ACTIVITY,
    SWEEP_WORKFLOW,
)
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

STEPS_PER_EPOCH = 4
"""Steps per epoch of the mocked fine-tune."""


@dataclass
class FakeTraining:
    """State shared by the mocked activities of one test: what ran, and how many may finish.

    Like the real activity, a run resumes from the newer of the checkpoint it was sent and the
    newest one it saved before ("on disk"). The n-th fine-tune request (from 0) holds,
    heartbeating, until ``allowed`` exceeds n (``None``: no limit); cancellation reaches it through
    the heartbeat.
    """

    requests: list[BertFineTuneRequest] = field(default_factory=list)
    eval_requests: list[BertEvalRequest] = field(default_factory=list)
    learning_rates: dict[str, float] = field(default_factory=dict)
    allowed: int | None = None
    on_disk: dict[str, CheckpointInfo] = field(default_factory=dict)
    seconds: float = 0.05

    def activities(self) -> tuple[list[object], list[object]]:
        """(training-queue activities, eval-queue activities)."""

        @activity.defn(name=SNAPSHOT_ACTIVITY)
        async def snapshot(request: DatasetSnapshotRequest) -> DatasetSnapshotResult:
            return DatasetSnapshotResult(
                snapshot_id="snap",
                path=f"{request.snapshot_root}/snap",
                content_hash="hash",
                source=request.dataset_name,
                train_split="train",
                eval_split="validation",
                num_train_rows=16,
                num_eval_rows=8,
                columns=["sentence", "label"],
                created_at=datetime.now(UTC),
            )

        @activity.defn(name=FINE_TUNE_ACTIVITY)
        async def fine_tune(request: BertFineTuneRequest) -> BertFineTuneResult:
            config = request.config
            if config.text_field == "missing":
                raise ApplicationError(
                    "text field 'missing' is not a column",
                    type=TEXT_FIELD_NOT_FOUND,
                    non_retryable=True,
                )
            order = len(self.requests)
            self.requests.append(request)
            self.learning_rates[request.run_id] = config.learning_rate
            while self.allowed is not None and order >= self.allowed:
                activity.heartbeat()
                await asyncio.sleep(0.05)
            await asyncio.sleep(self.seconds)
            total = config.max_steps or math.ceil(config.num_epochs * STEPS_PER_EPOCH)
            final = CheckpointInfo(
                run_id=request.run_id,
                step=total,
                path=f"{request.output_dir}/checkpoint-{total}",
                epoch=total / STEPS_PER_EPOCH,
            )
            known = (request.resume_from_checkpoint, self.on_disk.get(request.run_id))
            resumed = max(
                (checkpoint for checkpoint in known if checkpoint is not None),
                key=lambda c: c.step,
                default=None,
            )
            self.on_disk[request.run_id] = final
            return BertFineTuneResult(
                run_id=request.run_id,
                model_name=config.model_name,
                dataset_name=config.dataset_name,
                model_path=request.output_dir,
                snapshot_id="snap",
                task_type=TaskType.CLASSIFICATION,
                num_labels=2,
                text_field="sentence",
                label_field="label",
                num_train_samples=16,
                num_eval_samples=8,
                num_parameters=1,
                global_step=total,
                total_steps=total,
                epochs_completed=total / STEPS_PER_EPOCH,
                checkpoints_saved=[final],
                resumed_from=resumed,
                train_runtime_s=0.1,
                train_samples_per_s=1.0,
                total_runtime_s=0.1,
                device="cpu",
                mixed_precision="no",
            )

        @activity.defn(name=EVALUATE_ACTIVITY)
        async def evaluate(request: BertEvalRequest) -> BertEvalResult:
            assert request.run_id is not None
            self.eval_requests.append(request)
            accuracy = fake_accuracy(self.learning_rates[request.run_id], request.model_path)
            return BertEvalResult(
                run_id=request.run_id,
                model_path=request.model_path,
                accuracy=accuracy,
                metrics={"accuracy": accuracy, "f1_macro": accuracy - 0.01},
                num_samples=8,
            )

        return [snapshot, fine_tune], [evaluate]


def fake_accuracy(learning_rate: float, model_path: str | None) -> float:
    """Best near learning rate 1e-4: ``1 - |log10(lr) + 4| / 10``."""
    return round(1.0 - abs(math.log10(learning_rate) + 4.0) / 10.0, 6)


@dataclass(frozen=True)
class Queues:
    """Task queues of one test's in-process workers."""

    training: str
    eval: str


@asynccontextmanager
async def sweep_workers(
    client: Client,
    training_activities: Sequence[object],
    eval_activities: Sequence[object],
) -> AsyncIterator[Queues]:
    """Workflow + activity workers on fresh training and eval queues (all workflows, like prod)."""
    from bert_workflows.registry import EVAL_QUEUE_WORKFLOWS, TRAINING_QUEUE_WORKFLOWS
    from bert_workflows.sweep_workflow import SweepWorkflow

    assert SweepWorkflow in EVAL_QUEUE_WORKFLOWS, "the sweep workflow must be deployed on eval"
    queues = Queues(training=f"train-{uuid.uuid4()}", eval=f"eval-{uuid.uuid4()}")
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(
            Worker(
                client,
                task_queue=queues.training,
                workflows=list(TRAINING_QUEUE_WORKFLOWS),
                activities=list(training_activities),
                max_concurrent_activities=8,
            )
        )
        await stack.enter_async_context(
            Worker(
                client,
                task_queue=queues.eval,
                workflows=list(EVAL_QUEUE_WORKFLOWS),
                activities=list(eval_activities),
                max_concurrent_activities=8,
            )
        )
        yield queues


async def all_run_histories(client: Client, workflow_id: str) -> list[WorkflowHistory]:
    """Histories of every run of ``workflow_id``, oldest first (follows continue-as-new)."""
    histories: list[WorkflowHistory] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        histories.insert(0, history)
        started = history.events[0].workflow_execution_started_event_attributes
        if not started.continued_execution_run_id:
            return histories
        run_id = started.continued_execution_run_id


def max_trials_in_flight(histories: Sequence[WorkflowHistory]) -> int:
    """Most trials running at once, from child events: a trial-rung starts with its training child
    and ends when its eval child closes (or its training child closes other than completed)."""
    in_flight: set[str] = set()
    most = 0
    for history in histories:
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
                child_id = (
                    event.start_child_workflow_execution_initiated_event_attributes.workflow_id
                )
                if "/train/" in child_id:
                    in_flight.add(child_id.replace("/train/", "/", 1))
                    most = max(most, len(in_flight))
                continue
            child_id = _closed_child_id(event)
            if child_id is None:
                continue
            completed = event.event_type == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED
            if "/eval/" in child_id or not completed:
                in_flight.discard(child_id.replace("/train/", "/", 1).replace("/eval/", "/", 1))
    return most


def child_workflow_ids(histories: Sequence[WorkflowHistory], kind: str) -> list[str]:
    """Ids of every child started (``kind`` 'train' or 'eval'), in start order, across runs."""
    ids: list[str] = []
    for history in histories:
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
                child_id = (
                    event.start_child_workflow_execution_initiated_event_attributes.workflow_id
                )
                if f"/{kind}/" in child_id:
                    ids.append(child_id)
    return ids


CHILD_CLOSED_ATTRIBUTES = frozenset(
    f"child_workflow_execution_{outcome}_event_attributes"
    for outcome in ("completed", "failed", "canceled", "timed_out", "terminated")
)


def _closed_child_id(event: HistoryEvent) -> str | None:
    attribute = event.WhichOneof("attributes")
    if attribute not in CHILD_CLOSED_ATTRIBUTES:
        return None
    return str(getattr(event, attribute).workflow_execution.workflow_id)


REAL_ROWS = 32
"""Training (and eval) rows of the real-worker sweeps."""
BATCH = 8
REAL_STEPS_PER_EPOCH = REAL_ROWS // BATCH


class RealStack:
    """Client, queues and folders of a module's in-process workers with the real activities."""

    def __init__(self, client: Client, queues: Queues, root: Path, base: dict[str, Any]) -> None:
        self.client = client
        self.queues = queues
        self.root = root
        self.base = base
        self.sweep_ids: list[str] = []

    def config(self, **overrides: Any) -> SweepConfig:
        base = {**self.base, **overrides.pop("base", {})}
        return SweepConfig.model_validate(
            {
                "base_config": base,
                "training_task_queue": self.queues.training,
                "eval_task_queue": self.queues.eval,
                **overrides,
            }
        )

    async def start(self, config: SweepConfig) -> Any:
        sweep_id = f"real-sweep-{uuid.uuid4().hex[:8]}"
        self.sweep_ids.append(sweep_id)
        return await self.client.start_workflow(
            SWEEP_WORKFLOW,
            SweepWorkflowInput(config=config),
            id=sweep_id,
            task_queue=self.queues.eval,
            result_type=SweepLeaderboard,
        )
