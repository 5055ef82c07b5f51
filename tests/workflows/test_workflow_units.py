"""Workflow logic on the real Temporal dev server, activities mocked under their real names.

Each test runs an in-process workflow+activity worker on its own uuid task queue. The real
activities (torch) are exercised by the end-to-end tests; here the activities are seams.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
from bert_types import (
    BertEvalRequest,
    BertEvalResult,
    BertFineTuneConfig,
    BertFineTuneRequest,
    BertFineTuneResult,
    BertInferenceRequest,
    BertInferenceResult,
    CheckpointInfo,
    CoordinatorWorkflowConfig,
    CoordinatorWorkflowInput,
    DatasetSnapshotRequest,
    DatasetSnapshotResult,
    ExecutionPolicy,
    ExperimentProgress,
    RunStatus,
    TaskType,
    TrainingPhase,
    TrainingProgress,
)
from bert_types.errors import DATASET_NOT_FOUND, DUPLICATE_RUN_ID, MODEL_NOT_TRAINED
from bert_types.names import (
    COORDINATOR_WORKFLOW,
    EVALUATE_ACTIVITY,
    FINE_TUNE_ACTIVITY,
    GET_LATEST_CHECKPOINT_QUERY,
    GET_PROGRESS_QUERY,
    INFERENCE_ACTIVITY,
    REPORT_PROGRESS_SIGNAL,
    SNAPSHOT_ACTIVITY,
    UPDATE_CHECKPOINT_SIGNAL,
)
from bert_workflows.coordinator import CoordinatorWorkflow
from bert_workflows.evaluation import BertEvalWorkflow
from bert_workflows.inference import BertInferenceWorkflow
from bert_workflows.registry import ALL_WORKFLOWS
from bert_workflows.training import CheckpointedBertTrainingWorkflow
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError, CancelledError
from temporalio.worker import Worker

from tests.workflows.fakes import eval_result, fine_tune_result, snapshot_result

FAST = ExecutionPolicy(retry_initial_interval_s=0.1, heartbeat_timeout_s=5, progress_interval_s=1)


@activity.defn(name=SNAPSHOT_ACTIVITY)
async def fake_snapshot(request: DatasetSnapshotRequest) -> DatasetSnapshotResult:
    if "missing" in request.dataset_name:
        raise ApplicationError(
            f"no dataset at {request.dataset_name}", type=DATASET_NOT_FOUND, non_retryable=True
        )
    return snapshot_result(request)


@activity.defn(name=FINE_TUNE_ACTIVITY)
async def fake_fine_tune(request: BertFineTuneRequest) -> BertFineTuneResult:
    return fine_tune_result(request)


@activity.defn(name=EVALUATE_ACTIVITY)
async def fake_evaluate(request: BertEvalRequest) -> BertEvalResult:
    return eval_result(request)


@activity.defn(name=INFERENCE_ACTIVITY)
async def fake_inference(request: BertInferenceRequest) -> BertInferenceResult:
    return BertInferenceResult(
        run_id=request.run_id,
        model_path=request.model_path or "",
        task_type=TaskType.CLASSIFICATION,
        label_ids=[0] * len(request.texts),
        num_texts=len(request.texts),
        duration_s=0.0,
        samples_per_s=0.0,
    )


def config(
    run_id: str | None = None, dataset: str = "data/sst2", **extra: Any
) -> BertFineTuneConfig:
    extra.setdefault("execution", FAST)
    return BertFineTuneConfig(model_name="tiny", dataset_name=dataset, run_id=run_id, **extra)


FAKE_ACTIVITIES: dict[str, Callable[..., Any]] = {
    SNAPSHOT_ACTIVITY: fake_snapshot,
    FINE_TUNE_ACTIVITY: fake_fine_tune,
    EVALUATE_ACTIVITY: fake_evaluate,
    INFERENCE_ACTIVITY: fake_inference,
}


@asynccontextmanager
async def fake_worker(
    client: Client, replacements: dict[str, Callable[..., Any]] | None = None
) -> AsyncIterator[str]:
    """A worker with every workflow and the fake activities, ``replacements`` (by activity name,
    each defined with ``@activity.defn(name=<that name>)``) replacing fakes; yields its queue."""
    activities = {**FAKE_ACTIVITIES, **(replacements or {})}
    queue = f"wf-unit-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=list(ALL_WORKFLOWS),
        activities=list(activities.values()),
    ):
        yield queue


async def activity_starts(client: Client, workflow_id: str, activity_name: str) -> int:
    """How many times ``activity_name`` was started in ``workflow_id``'s history."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    scheduled = {
        event.event_id
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and event.activity_task_scheduled_event_attributes.activity_type.name == activity_name
    }
    return sum(
        1
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        and event.activity_task_started_event_attributes.scheduled_event_id in scheduled
    )


@pytest.fixture
def client(temporal_env: Any) -> Client:
    result: Client = temporal_env.client
    return result


async def test_checkpoint_signals_keep_newest_and_resume_next_attempt(client: Client) -> None:
    requests: list[BertFineTuneRequest] = []

    @activity.defn(name=FINE_TUNE_ACTIVITY)
    async def crashing_then_resuming(request: BertFineTuneRequest) -> BertFineTuneResult:
        requests.append(request)
        handle = activity.client().get_workflow_handle(activity.info().workflow_id)
        if len(requests) == 1:
            for step in (10, 20, 5, 20):  # newer, newer, stale, duplicate
                await handle.signal(
                    UPDATE_CHECKPOINT_SIGNAL,
                    CheckpointInfo(run_id=request.run_id, step=step, path=f"ckpt-{step}"),
                )
            await handle.signal(
                REPORT_PROGRESS_SIGNAL,
                TrainingProgress(run_id=request.run_id, step=21, total_steps=40, loss=0.7),
            )
            raise RuntimeError("worker lost (simulated)")
        return fine_tune_result(request, global_step=40)

    async with fake_worker(client, {FINE_TUNE_ACTIVITY: crashing_then_resuming}) as queue:
        handle = await client.start_workflow(
            CheckpointedBertTrainingWorkflow.run,
            config(run_id="resume-run"),
            id=f"train-{uuid.uuid4()}",
            task_queue=queue,
        )
        result = await handle.result()
        latest = await handle.query(GET_LATEST_CHECKPOINT_QUERY, result_type=CheckpointInfo | None)
        progress = await handle.query(GET_PROGRESS_QUERY, result_type=TrainingProgress)

    assert [r.resume_from_checkpoint for r in requests] == [
        None,
        CheckpointInfo(run_id="resume-run", step=20, path="ckpt-20"),
    ]
    assert result.resumed_from is not None
    assert result.resumed_from.step == 20
    assert result.snapshot_path is not None
    assert result.snapshot_path.startswith("data_snapshots/")
    assert latest is not None
    assert latest.step == 20
    assert progress.phase == TrainingPhase.COMPLETED
    assert (progress.step, progress.total_steps, progress.attempt) == (40, 40, 2)
    assert await activity_starts(client, handle.id, FINE_TUNE_ACTIVITY) == 2


async def test_run_id_is_derived_from_workflow_id_and_used_for_output_dir(client: Client) -> None:
    seen: list[BertFineTuneRequest] = []

    @activity.defn(name=FINE_TUNE_ACTIVITY)
    async def recording(request: BertFineTuneRequest) -> BertFineTuneResult:
        seen.append(request)
        return fine_tune_result(request)

    async with fake_worker(client, {FINE_TUNE_ACTIVITY: recording}) as queue:
        result = await client.execute_workflow(
            CheckpointedBertTrainingWorkflow.run,
            config(artifact_root="/runs/root"),
            id="exp 7/train",
            task_queue=queue,
        )
    assert result.run_id == "exp-7-train"
    assert seen[0].run_id == seen[0].config.run_id == "exp-7-train"
    assert seen[0].output_dir == "/runs/root/exp-7-train"


async def test_fine_tune_attempts_are_bounded_and_bad_input_is_not_retried(client: Client) -> None:
    calls: dict[str, int] = {"flaky": 0, "bad": 0}

    @activity.defn(name=FINE_TUNE_ACTIVITY)
    async def failing(request: BertFineTuneRequest) -> BertFineTuneResult:
        calls[request.run_id] += 1
        if request.run_id == "bad":
            raise ApplicationError("label column missing", type="LabelFieldError")
        raise RuntimeError("transient")

    async with fake_worker(client, {FINE_TUNE_ACTIVITY: failing}) as queue:
        for run_id, attempts in (("flaky", 3), ("bad", 1)):
            policy = FAST.model_copy(update={"fine_tune_max_attempts": 3})
            with pytest.raises(WorkflowFailureError) as failure:
                await client.execute_workflow(
                    CheckpointedBertTrainingWorkflow.run,
                    config(run_id=run_id, execution=policy),
                    id=f"train-{uuid.uuid4()}",
                    task_queue=queue,
                )
            cause = failure.value.cause
            assert isinstance(cause, ApplicationError)
            assert f"after {attempts} attempt(s)" in cause.message
            assert calls[run_id] == attempts
    assert cause.type == "LabelFieldError"


async def test_lost_worker_heartbeat_timeout_reschedules_from_the_signalled_checkpoint(
    client: Client,
) -> None:
    requests: list[BertFineTuneRequest] = []

    @activity.defn(name=FINE_TUNE_ACTIVITY)
    async def silent_then_fine(request: BertFineTuneRequest) -> BertFineTuneResult:
        requests.append(request)
        if len(requests) == 1:
            handle = activity.client().get_workflow_handle(activity.info().workflow_id)
            checkpoint = CheckpointInfo(run_id=request.run_id, step=7, path="ckpt-7")
            await handle.signal(UPDATE_CHECKPOINT_SIGNAL, checkpoint)
            await asyncio.sleep(60)  # a hung worker: no heartbeat from here on
        return fine_tune_result(request)

    policy = FAST.model_copy(update={"heartbeat_timeout_s": 1, "fine_tune_max_attempts": 2})
    async with fake_worker(client, {FINE_TUNE_ACTIVITY: silent_then_fine}) as queue:
        result = await client.execute_workflow(
            CheckpointedBertTrainingWorkflow.run,
            config(run_id="lost", execution=policy),
            id=f"train-{uuid.uuid4()}",
            task_queue=queue,
        )
    assert [
        r.resume_from_checkpoint.step if r.resume_from_checkpoint else None for r in requests
    ] == [
        None,
        7,
    ]
    assert result.resumed_from is not None
    assert result.resumed_from.step == 7


async def test_failed_eval_keeps_the_training_result_in_its_entry(client: Client) -> None:
    @activity.defn(name=EVALUATE_ACTIVITY)
    async def refusing(request: BertEvalRequest) -> BertEvalResult:
        raise ApplicationError("no model saved", type=MODEL_NOT_TRAINED, non_retryable=True)

    experiment = CoordinatorWorkflowInput(
        configs=[CoordinatorWorkflowConfig(run_id="trained", fine_tune=config())]
    )
    async with fake_worker(client, {EVALUATE_ACTIVITY: refusing}) as queue:
        experiment.training_task_queue = queue
        [entry] = await client.execute_workflow(
            CoordinatorWorkflow.run, experiment, id=f"exp-{uuid.uuid4()}", task_queue=queue
        )
    assert entry.status == RunStatus.FAILED
    assert entry.error_type == MODEL_NOT_TRAINED
    assert entry.error == "no model saved"
    assert entry.training is not None
    assert entry.model_path == entry.training.model_path == "bert_runs/trained"


async def test_coordinator_normalises_isolates_failures_and_keeps_order(client: Client) -> None:
    experiment = CoordinatorWorkflowInput(
        configs=[
            CoordinatorWorkflowConfig(run_id="first", fine_tune=config()),
            CoordinatorWorkflowConfig(fine_tune=config(dataset="data/missing")),
            CoordinatorWorkflowConfig(fine_tune=config(run_id="third")),
            CoordinatorWorkflowConfig(
                fine_tune=config(),
                eval=BertEvalRequest(run_id="fourth", dataset_name="data/other"),
            ),
        ],
        artifact_root="/art",
    )
    async with fake_worker(client) as queue:
        experiment.training_task_queue = queue
        coordinator_id = f"exp-{uuid.uuid4()}"
        handle = await client.start_workflow(
            CoordinatorWorkflow.run, experiment, id=coordinator_id, task_queue=queue
        )
        results = await handle.result()
        progress = await handle.query(GET_PROGRESS_QUERY, result_type=ExperimentProgress)

    derived = f"{coordinator_id}-1"
    assert [r.run_id for r in results] == ["first", derived, "third", "fourth"]
    assert [r.status for r in results] == [
        RunStatus.SUCCEEDED,
        RunStatus.FAILED,
        RunStatus.SUCCEEDED,
        RunStatus.SUCCEEDED,
    ]
    failed = results[1]
    assert failed.error_type == DATASET_NOT_FOUND
    assert "data/missing" in (failed.error or "")
    first = results[0]
    assert first.model_path == "/art/first"
    assert first.training is not None
    assert first.training.run_id == "first"
    assert first.dataset_name == first.training.snapshot_path  # default eval: own snapshot
    assert results[3].dataset_name == "data/other"
    assert [run.phase for run in progress.runs] == [
        TrainingPhase.COMPLETED,
        TrainingPhase.FAILED,
        TrainingPhase.COMPLETED,
        TrainingPhase.COMPLETED,
    ]
    assert progress.runs[0].metrics == {"accuracy": 0.75}
    assert progress.training_workflow_ids[2] == f"{coordinator_id}/train/third"
    assert progress.eval_workflow_ids[0] == f"{coordinator_id}/eval/first"
    assert progress.results == results
    failed_child = f"{coordinator_id}/train/{derived}"
    assert await activity_starts(client, failed_child, SNAPSHOT_ACTIVITY) == 1


async def test_coordinator_rejects_derived_duplicate_run_ids(client: Client) -> None:
    coordinator_id = f"dup-{uuid.uuid4()}"
    experiment = CoordinatorWorkflowInput(
        configs=[
            CoordinatorWorkflowConfig(run_id=f"{coordinator_id}-1", fine_tune=config()),
            CoordinatorWorkflowConfig(fine_tune=config()),  # derives <id>-1 as well
        ]
    )
    async with fake_worker(client) as queue:
        with pytest.raises(WorkflowFailureError) as failure:
            await client.execute_workflow(
                CoordinatorWorkflow.run, experiment, id=coordinator_id, task_queue=queue
            )
    cause = failure.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == DUPLICATE_RUN_ID
    assert "configs[1] and configs[0]" in cause.message


@pytest.mark.parametrize(
    "bad_input",
    [
        {"configs": []},
        {"configs": [{"fine_tune": {"dataset_name": "x", "learning_rate": -1}}]},
        {"configs": [{"fine_tune": {"dataset_name": "x"}}], "surprise": 1},
    ],
)
async def test_invalid_coordinator_input_fails_the_workflow_not_the_task(
    client: Client, bad_input: dict[str, Any]
) -> None:
    async with fake_worker(client) as queue:
        with pytest.raises(WorkflowFailureError) as failure:
            await asyncio.wait_for(
                client.execute_workflow(
                    COORDINATOR_WORKFLOW, bad_input, id=f"bad-{uuid.uuid4()}", task_queue=queue
                ),
                timeout=30,
            )
    cause = failure.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "ValidationError"


async def test_max_concurrent_trainings_bounds_parallel_children(client: Client) -> None:
    running = 0
    peak = 0

    @activity.defn(name=FINE_TUNE_ACTIVITY)
    async def slow(request: BertFineTuneRequest) -> BertFineTuneResult:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.3)
        running -= 1
        return fine_tune_result(request)

    experiment = CoordinatorWorkflowInput(
        configs=[CoordinatorWorkflowConfig(fine_tune=config()) for _ in range(3)],
        max_concurrent_trainings=1,
    )
    async with fake_worker(client, {FINE_TUNE_ACTIVITY: slow}) as queue:
        experiment.training_task_queue = queue
        results = await client.execute_workflow(
            CoordinatorWorkflow.run, experiment, id=f"exp-{uuid.uuid4()}", task_queue=queue
        )
    assert all(r.status == RunStatus.SUCCEEDED for r in results)
    assert peak == 1


async def test_cancelling_the_coordinator_cancels_training_and_waits_for_the_activity(
    client: Client,
) -> None:
    started = asyncio.Event()
    cancelled_cleanly: list[str] = []

    @activity.defn(name=FINE_TUNE_ACTIVITY)
    async def long_training(request: BertFineTuneRequest) -> BertFineTuneResult:
        started.set()
        try:
            while True:
                activity.heartbeat()
                await asyncio.sleep(0.1)
        except asyncio.CancelledError:
            await asyncio.sleep(0.2)  # the checkpoint save the workflow must wait for
            cancelled_cleanly.append(request.run_id)
            raise

    experiment = CoordinatorWorkflowInput(
        configs=[CoordinatorWorkflowConfig(run_id="long", fine_tune=config())]
    )
    async with fake_worker(client, {FINE_TUNE_ACTIVITY: long_training}) as queue:
        experiment.training_task_queue = queue
        coordinator_id = f"exp-{uuid.uuid4()}"
        handle = await client.start_workflow(
            CoordinatorWorkflow.run, experiment, id=coordinator_id, task_queue=queue
        )
        await asyncio.wait_for(started.wait(), timeout=30)
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
        child = client.get_workflow_handle(f"{coordinator_id}/train/long")
        child_status = (await child.describe()).status
    assert isinstance(failure.value.cause, CancelledError)
    assert cancelled_cleanly == ["long"]
    assert child_status is not None
    assert child_status.name == "CANCELED"


async def test_eval_and_inference_default_model_path_from_run_id(client: Client) -> None:
    async with fake_worker(client) as queue:
        evaluated = await client.execute_workflow(
            BertEvalWorkflow.run,
            BertEvalRequest(run_id="r1", artifact_root="/models"),
            id=f"eval-{uuid.uuid4()}",
            task_queue=queue,
        )
        predicted = await client.execute_workflow(
            BertInferenceWorkflow.run,
            BertInferenceRequest(run_id="r1", texts=["a", "b"]),
            id=f"infer-{uuid.uuid4()}",
            task_queue=queue,
        )
    assert evaluated.model_path == "/models/r1"
    assert predicted.model_path == "bert_runs/r1"
    assert predicted.label_ids == [0, 0]


def test_registry_puts_each_workflow_on_its_design_queue() -> None:
    from bert_workflows.registry import EVAL_QUEUE_WORKFLOWS, TRAINING_QUEUE_WORKFLOWS

    names: Sequence[type] = TRAINING_QUEUE_WORKFLOWS
    assert CheckpointedBertTrainingWorkflow in names
    assert {CoordinatorWorkflow, BertEvalWorkflow, BertInferenceWorkflow} <= set(
        EVAL_QUEUE_WORKFLOWS
    )
