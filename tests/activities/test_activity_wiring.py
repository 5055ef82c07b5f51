"""The Temporal activities around the cores: heartbeats, signals, cancellation, worker shutdown."""

import asyncio
import dataclasses
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bert_activities.activities import (
    EVAL_ACTIVITY_FUNCTIONS,
    TRAINING_ACTIVITY_FUNCTIONS,
    create_dataset_snapshot,
    fine_tune_bert,
    run_bert_inference,
)
from bert_activities.failures import WORKER_SHUTDOWN
from bert_activities.run_folder import COMPLETION_MARKER_FILE
from bert_types import (
    BertFineTuneRequest,
    BertInferenceRequest,
    CheckpointInfo,
    DatasetSnapshotRequest,
    DatasetSnapshotResult,
    ExecutionPolicy,
    TrainingProgress,
)
from bert_types.errors import EMPTY_INPUT
from bert_types.names import (
    EVAL_ACTIVITIES,
    REPORT_PROGRESS_SIGNAL,
    TRAINING_ACTIVITIES,
    UPDATE_CHECKPOINT_SIGNAL,
)
from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker


def test_activity_names_match_the_contract() -> None:
    names = [activity._Definition.must_from_callable(f).name for f in TRAINING_ACTIVITY_FUNCTIONS]
    assert tuple(names) == TRAINING_ACTIVITIES
    names = [activity._Definition.must_from_callable(f).name for f in EVAL_ACTIVITY_FUNCTIONS]
    assert tuple(names) == EVAL_ACTIVITIES


async def test_snapshot_and_inference_activities(
    shared_data: Path, tmp_path: Path, trained_sst2_run: Any
) -> None:
    env = ActivityEnvironment()
    snapshot = await env.run(
        create_dataset_snapshot,
        DatasetSnapshotRequest(
            dataset_name=str(shared_data / "rte"),
            max_train_samples=10,
            snapshot_root=str(tmp_path),
        ),
    )
    assert snapshot.num_train_rows == 10
    empty = BertInferenceRequest.model_construct(
        model_path=trained_sst2_run.model_path, texts=[], batch_size=8
    )
    with pytest.raises(ApplicationError) as info:
        await env.run(run_bert_inference, empty)
    assert info.value.type == EMPTY_INPUT
    assert info.value.non_retryable


async def test_heartbeats_carry_progress_and_checkpoints(
    sst2_snapshot: DatasetSnapshotResult, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    beats: list[TrainingProgress] = []
    env = ActivityEnvironment()
    env.on_heartbeat = lambda *details: beats.extend(details)
    result = await env.run(fine_tune_bert, tiny_request(sst2_snapshot, "wired-heartbeats"))
    assert all(isinstance(b, TrainingProgress) for b in beats)
    assert beats[-1].step == result.global_step == 6
    assert beats[-1].total_steps == 6
    assert beats[-1].last_checkpoint is not None
    assert beats[-1].last_checkpoint.step == 6


async def test_previous_heartbeat_checkpoint_is_a_resume_candidate(
    sst2_snapshot: DatasetSnapshotResult,
    tiny_request: Callable[..., BertFineTuneRequest],
    tmp_path: Path,
) -> None:
    first_dir = tmp_path / "first"
    first = await ActivityEnvironment().run(
        fine_tune_bert, tiny_request(sst2_snapshot, "wired-beat", output_dir=first_dir)
    )
    env = ActivityEnvironment()
    previous = TrainingProgress(run_id="wired-beat", last_checkpoint=first.checkpoints_saved[-1])
    env.info = dataclasses.replace(env.info, attempt=2, heartbeat_details=[previous])
    second = await env.run(
        fine_tune_bert,
        tiny_request(sst2_snapshot, "wired-beat", output_dir=tmp_path / "second", num_epochs=2),
    )
    assert second.resumed_from is not None
    assert second.resumed_from.step == 6
    assert second.global_step == 12


class HeartbeatRecorder:
    """Keeps heartbeat details; ``reached`` is set once a heartbeat reports ``step``."""

    def __init__(self, step: int) -> None:
        self.beats: list[TrainingProgress] = []
        self.step = step
        self.reached = asyncio.Event()

    def __call__(self, *details: TrainingProgress) -> None:
        self.beats.extend(details)
        if any(b.step >= self.step for b in details):
            self.reached.set()

    async def wait(self) -> None:
        async with asyncio.timeout(120):
            await self.reached.wait()


def _checkpoint_dirs(run_dir: str) -> list[Path]:
    return sorted(Path(run_dir).glob("checkpoint-*"))


async def test_cancel_stops_training_with_a_checkpoint(
    sst2_snapshot: DatasetSnapshotResult, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    recorder = HeartbeatRecorder(step=2)
    env = ActivityEnvironment()
    env.on_heartbeat = recorder
    request = tiny_request(sst2_snapshot, "wired-cancel", num_epochs=200, checkpoint_steps=10_000)
    task = asyncio.create_task(env.run(fine_tune_bert, request))
    await recorder.wait()
    env.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    run_dir = Path(request.output_dir)
    checkpoints = _checkpoint_dirs(request.output_dir)
    assert len(checkpoints) == 1
    step = int(checkpoints[0].name.split("-")[1])
    assert 2 <= step < 1200
    assert (checkpoints[0] / "trainer_state.json").is_file()
    assert not (run_dir / COMPLETION_MARKER_FILE).exists()
    assert recorder.beats[-1].last_checkpoint is not None
    assert recorder.beats[-1].last_checkpoint.step == step


async def test_worker_shutdown_fails_the_attempt_retryably(
    sst2_snapshot: DatasetSnapshotResult, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    recorder = HeartbeatRecorder(step=1)
    env = ActivityEnvironment()
    env.on_heartbeat = recorder
    request = tiny_request(sst2_snapshot, "wired-shutdown", num_epochs=200, checkpoint_steps=10_000)
    task = asyncio.create_task(env.run(fine_tune_bert, request))
    await recorder.wait()
    env.worker_shutdown()
    with pytest.raises(ApplicationError) as info:
        await task
    assert info.value.type == WORKER_SHUTDOWN
    assert not info.value.non_retryable
    assert len(_checkpoint_dirs(request.output_dir)) == 1


@workflow.defn(sandboxed=False)
class CheckpointRecorder:
    """Receives the fine-tune activity's signals, like the training workflow does."""

    def __init__(self) -> None:
        self.checkpoints: list[CheckpointInfo] = []
        self.progress: list[TrainingProgress] = []
        self.done = False

    @workflow.run
    async def run(self) -> list[int]:
        await workflow.wait_condition(lambda: self.done)
        return [c.step for c in self.checkpoints]

    @workflow.signal(name=UPDATE_CHECKPOINT_SIGNAL)
    def update_checkpoint(self, checkpoint: CheckpointInfo) -> None:
        self.checkpoints.append(checkpoint)

    @workflow.signal(name=REPORT_PROGRESS_SIGNAL)
    def report_progress(self, progress: TrainingProgress) -> None:
        self.progress.append(progress)

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def progress_steps(self) -> list[int]:
        return [p.step for p in self.progress]


async def test_checkpoints_and_progress_are_signalled_to_the_workflow(
    temporal_env: Any,
    sst2_snapshot: DatasetSnapshotResult,
    tiny_request: Callable[..., BertFineTuneRequest],
) -> None:
    client = temporal_env.client
    queue = f"wiring-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[CheckpointRecorder],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        handle = await client.start_workflow(
            CheckpointRecorder.run,
            id=f"recorder-{uuid.uuid4()}",
            task_queue=queue,
            execution_timeout=timedelta(minutes=5),
        )
        env = ActivityEnvironment(client=client)
        env.info = dataclasses.replace(env.info, workflow_id=handle.id)
        request = tiny_request(
            sst2_snapshot,
            "wired-signals",
            execution=ExecutionPolicy(progress_interval_s=0.5),
        )
        result = await env.run(fine_tune_bert, request)
        steps = await handle.query(CheckpointRecorder.progress_steps)
        await handle.signal(CheckpointRecorder.finish)
        assert await handle.result() == [c.step for c in result.checkpoints_saved] == [3, 6]
    assert steps[-1] == 6
    assert len(steps) >= 2


async def test_signal_failures_do_not_fail_training(
    temporal_env: Any,
    sst2_snapshot: DatasetSnapshotResult,
    tiny_request: Callable[..., BertFineTuneRequest],
) -> None:
    env = ActivityEnvironment(client=temporal_env.client)
    env.info = dataclasses.replace(env.info, workflow_id=f"no-such-workflow-{uuid.uuid4()}")
    result = await env.run(
        fine_tune_bert, tiny_request(sst2_snapshot, "wired-nosignal", max_steps=2)
    )
    assert result.global_step == 2
