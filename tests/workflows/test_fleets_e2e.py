"""End to end: the three fleets as separate OS processes, real activities, a tiny BERT, real data.

The workflow worker runs with torch, transformers, datasets and bert_activities refused by a
``sys.meta_path`` finder; the training and eval activity workers run the real activities. One
Temporal dev server (the session ``temporal_env``), fresh task queues for this module.
"""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from bert_activities.failures import WORKER_SHUTDOWN
from bert_types import (
    BertEvalResult,
    BertFineTuneConfig,
    CheckpointInfo,
    CoordinatorWorkflowConfig,
    CoordinatorWorkflowInput,
    ExecutionPolicy,
    ExperimentProgress,
    RunStatus,
    TaskType,
    TrainingPhase,
)
from bert_types.errors import DATASET_NOT_FOUND
from bert_types.names import (
    COORDINATOR_WORKFLOW,
    FINE_TUNE_ACTIVITY,
    GET_LATEST_CHECKPOINT_QUERY,
    GET_PROGRESS_QUERY,
    SNAPSHOT_ACTIVITY,
)
from bert_workflows.registry import ALL_WORKFLOWS
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.fleet import Fleets

pytestmark = pytest.mark.slow

HISTORIES = Path(__file__).parent / "histories"
RECORD_ENV = "BERT_RECORD_HISTORIES"
"""Set to 1 to rewrite tests/workflows/histories/ from this run (after a deliberate change)."""
RECORDED_PREFIXES = ("e2e-", "isolation-")
"""Coordinators whose histories (and their children's) are stored for the replay test."""

EXECUTION = ExecutionPolicy(
    heartbeat_timeout_s=30, progress_interval_s=0.5, retry_initial_interval_s=0.5
)


def tiny_config(model_dir: Path, dataset: Path, **overrides: Any) -> BertFineTuneConfig:
    values: dict[str, Any] = {
        "model_name": str(model_dir),
        "dataset_name": str(dataset),
        "max_train_samples": 48,
        "max_eval_samples": 24,
        "max_steps": 6,
        "batch_size": 8,
        "learning_rate": 1e-3,
        "max_seq_length": 64,
        "checkpoint_steps": 2,
        "logging_steps": 2,
        "use_gpu": False,
        "execution": EXECUTION,
    }
    values.update(overrides)
    return BertFineTuneConfig(**values)


def build_torch_free_venv(tmp_path: Path) -> str:
    """Build bert-types + bert-workflows wheels, install them into a fresh venv; its python."""
    uv = shutil.which("uv")
    assert uv is not None, "uv is needed to build the torch-free venv"
    repo = Path(__file__).resolve().parents[2]
    wheels = tmp_path / "wheels"
    for package in ("bert-types", "bert-workflows"):
        subprocess.run(
            [uv, "build", "--wheel", "--package", package, "-o", str(wheels)],
            cwd=repo,
            check=True,
            capture_output=True,
        )
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", python, *map(str, wheels.glob("*.whl"))],
        check=True,
    )
    probe = subprocess.run(
        [python, "-c", "import importlib.util as u; print(u.find_spec('torch') is None)"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "True", "the torch-free venv can import torch"

    return python


def assert_model_folder(model_dir: Path, reported_path: str) -> None:
    """The run folder holds a saved model and is the folder the result names."""
    assert (model_dir / "config.json").is_file(), sorted(model_dir.iterdir())
    assert Path(reported_path).resolve() == model_dir.resolve()


def assert_checkpoint_folders(checkpoints: list[CheckpointInfo]) -> None:
    """Every signalled checkpoint that the run still keeps is a folder on disk."""
    for checkpoint in checkpoints:
        assert Path(checkpoint.path).is_dir(), checkpoint


def checkpoint_steps_on_disk(run_dir: Path) -> list[int]:
    """Steps of the ``checkpoint-N`` folders in ``run_dir``."""
    return [int(path.name.split("-")[1]) for path in run_dir.glob("checkpoint-*") if path.is_dir()]


class Stack:
    """The module's fleets, client, queues and folders."""

    def __init__(self, client: Client, fleets: Fleets, root: Path, eval_queue: str) -> None:
        self.client = client
        self.fleets = fleets
        self.runs = root / "runs"
        self.snapshots = root / "snapshots"
        self.eval_queue = eval_queue
        self.training_queue = fleets.training.polls[0][0]
        self.coordinator_ids: list[str] = []

    def new_id(self, prefix: str) -> str:
        coordinator_id = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.coordinator_ids.append(coordinator_id)
        return coordinator_id

    async def run_coordinator(
        self, experiment: CoordinatorWorkflowInput, prefix: str, coordinator_id: str | None = None
    ) -> tuple[str, list[BertEvalResult]]:
        coordinator_id = coordinator_id or self.new_id(prefix)
        experiment = experiment.model_copy(update={"training_task_queue": self.training_queue})
        handle = await self.client.start_workflow(
            COORDINATOR_WORKFLOW,
            experiment,
            id=coordinator_id,
            task_queue=self.eval_queue,
            result_type=list[BertEvalResult],
        )
        try:
            results = await asyncio.wait_for(handle.result(), timeout=240)
        except BaseException:
            print(self.fleets.logs())
            raise
        return coordinator_id, results


@pytest.fixture(scope="module")
async def stack(
    temporal_env: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    client: Client = temporal_env.client
    root = tmp_path_factory.mktemp("fleets")
    suffix = uuid.uuid4().hex[:8]
    training_queue, eval_queue = f"e2e-training-{suffix}", f"e2e-eval-{suffix}"
    fleets = Fleets(
        client.service_client.config.target_host,
        client.namespace,
        training_queue,
        eval_queue,
        log_dir=root / "logs",
        env={
            "BERT_ARTIFACT_ROOT": str(root / "runs"),
            "BERT_SNAPSHOT_ROOT": str(root / "snapshots"),
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "OMP_NUM_THREADS": "1",
        },
        activity_args=["--max-concurrent-activities", "1", "--graceful-shutdown-s", "5"],
    )
    began = time.monotonic()
    await fleets.start_all(client)
    print(f"fleets polling after {time.monotonic() - began:.1f}s")
    stack = Stack(client, fleets, root, eval_queue)
    try:
        yield stack
    finally:
        statuses = fleets.stop_all()
        print(f"fleet exit statuses: {statuses}")
        assert set(statuses.values()) == {0}, fleets.logs()


async def test_three_configs_across_three_process_fleets(
    stack: Stack, tiny_model_dir: Path, shared_data: Path
) -> None:
    experiment = CoordinatorWorkflowInput(
        configs=[
            CoordinatorWorkflowConfig(
                run_id="sst2-lr1e-3", fine_tune=tiny_config(tiny_model_dir, shared_data / "sst2")
            ),
            CoordinatorWorkflowConfig(
                fine_tune=tiny_config(
                    tiny_model_dir,
                    shared_data / "rte",
                    run_id="rte-pair",
                    text_field="sentence1",
                    text_pair_field="sentence2",
                    learning_rate=5e-4,
                    batch_size=4,
                )
            ),
            CoordinatorWorkflowConfig(
                fine_tune=tiny_config(
                    tiny_model_dir, shared_data / "trec", learning_rate=2e-3, max_steps=4
                )
            ),
        ],
        max_concurrent_trainings=2,
    )
    began = time.monotonic()
    coordinator_id, results = await stack.run_coordinator(experiment, "e2e")
    wall_s = time.monotonic() - began
    print(f"3-config coordinator across process fleets: {wall_s:.1f}s")

    derived = f"{coordinator_id}-2"
    assert [r.run_id for r in results] == ["sst2-lr1e-3", "rte-pair", derived]
    assert [r.status for r in results] == [RunStatus.SUCCEEDED] * 3, results
    for result in results:
        assert result.training is not None
        assert result.training.run_id == result.run_id
        assert result.num_samples > 0
        assert result.accuracy is not None
        assert result.task_type == TaskType.CLASSIFICATION
        assert_model_folder(stack.runs / result.run_id, result.training.model_path)
    assert results[1].training is not None
    assert results[1].training.text_pair_field == "sentence2"
    assert results[2].training is not None
    assert sorted(results[2].training.label_names) == ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"]

    progress = await stack.client.get_workflow_handle(coordinator_id).query(
        GET_PROGRESS_QUERY, result_type=ExperimentProgress
    )
    assert [run.phase for run in progress.runs] == [TrainingPhase.COMPLETED] * 3
    assert [run.step for run in progress.runs] == [6, 6, 4]
    for workflow_id, result in zip(progress.training_workflow_ids, results, strict=True):
        assert result.training is not None
        child = stack.client.get_workflow_handle(workflow_id)
        latest = await child.query(GET_LATEST_CHECKPOINT_QUERY, result_type=CheckpointInfo | None)
        assert latest is not None
        assert latest.step == result.training.global_step
        assert latest.step == max(c.step for c in result.training.checkpoints_saved)

    assert "REFUSED IMPORT" not in stack.fleets.workflow.log()
    assert stack.fleets.workflow.is_running, stack.fleets.workflow.log()


async def test_missing_dataset_fails_its_entry_once_and_spares_the_rest(
    stack: Stack, tiny_model_dir: Path, shared_data: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-dataset.jsonl"
    experiment = CoordinatorWorkflowInput(
        configs=[
            CoordinatorWorkflowConfig(
                run_id="missing-data", fine_tune=tiny_config(tiny_model_dir, missing)
            ),
            CoordinatorWorkflowConfig(
                run_id="still-fine",
                fine_tune=tiny_config(tiny_model_dir, shared_data / "sst2", max_steps=2),
            ),
        ]
    )
    coordinator_id, results = await stack.run_coordinator(experiment, "isolation")
    failed, succeeded = results
    assert failed.run_id == "missing-data"
    assert failed.status == RunStatus.FAILED
    assert failed.error_type == DATASET_NOT_FOUND
    assert str(missing) in (failed.error or ""), failed.error
    assert succeeded.status == RunStatus.SUCCEEDED
    assert succeeded.training is not None
    assert_model_folder(stack.runs / "still-fine", succeeded.training.model_path)

    history = await stack.client.get_workflow_handle(
        f"{coordinator_id}/train/missing-data"
    ).fetch_history()
    started = [
        e for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ]
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled == [SNAPSHOT_ACTIVITY]
    assert len(started) == 1
    assert started[0].activity_task_started_event_attributes.attempt == 1


async def test_checkpoints_are_signalled_and_a_sigterm_attempt_resumes_from_the_newest(
    stack: Stack, tiny_model_dir: Path, shared_data: Path
) -> None:
    experiment = CoordinatorWorkflowInput(
        configs=[
            CoordinatorWorkflowConfig(
                run_id="sigterm-resume",
                fine_tune=tiny_config(
                    tiny_model_dir,
                    shared_data / "sst2",
                    max_steps=600,
                    checkpoint_steps=20,
                    batch_size=4,
                    max_train_samples=160,
                ),
            )
        ]
    )
    coordinator_id = stack.new_id("sigterm")
    run = asyncio.create_task(stack.run_coordinator(experiment, "sigterm", coordinator_id))
    child = stack.client.get_workflow_handle(f"{coordinator_id}/train/sigterm-resume")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            latest = await child.query(
                GET_LATEST_CHECKPOINT_QUERY, result_type=CheckpointInfo | None
            )
        except Exception:  # the child does not exist yet
            latest = None
        if latest is not None:
            break
        await asyncio.sleep(0.05)
    assert latest is not None, stack.fleets.logs()
    assert (await child.describe()).status == WorkflowExecutionStatus.RUNNING
    assert Path(latest.path).name == f"checkpoint-{latest.step}", latest
    # Signals trail the disk by up to one heartbeat tick, and save_total_limit rotates old
    # checkpoints away, so a fast run may already have replaced the signalled folder by newer
    # ones: the signalled step is never ahead of the disk.
    on_disk = await asyncio.to_thread(checkpoint_steps_on_disk, Path(latest.path).parent)
    assert on_disk, latest
    assert latest.step <= max(on_disk), (latest, on_disk)

    training = stack.fleets.training
    assert await asyncio.to_thread(training.stop) == 0, training.log()
    at_stop = await child.query(GET_LATEST_CHECKPOINT_QUERY, result_type=CheckpointInfo | None)
    assert at_stop is not None
    assert latest.step <= at_stop.step < 600, "training finished before the worker was stopped"
    training.start()
    await training.wait_until_polling(stack.client)
    _, [result] = await run

    assert result.status == RunStatus.SUCCEEDED, result
    assert result.training is not None
    assert result.training.global_step == 600
    assert result.training.resumed_from is not None
    assert result.training.resumed_from.step >= at_stop.step
    final = await child.query(GET_LATEST_CHECKPOINT_QUERY, result_type=CheckpointInfo | None)
    assert final is not None
    assert final.step == 600
    assert final.step == max(c.step for c in result.training.checkpoints_saved)
    assert_checkpoint_folders([final])
    history = await child.fetch_history()
    failures = [
        e.activity_task_failed_event_attributes.failure
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED
    ]
    assert [f.application_failure_info.type for f in failures] == [WORKER_SHUTDOWN]
    assert fine_tune_starts(history) == 2


def fine_tune_starts(history: WorkflowHistory) -> int:
    """How many times fine_tune_bert started in a training workflow's history."""
    scheduled = {
        e.event_id
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == FINE_TUNE_ACTIVITY
    }
    return sum(
        1
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        and e.activity_task_started_event_attributes.scheduled_event_id in scheduled
    )


async def test_workflow_worker_from_a_venv_without_torch(
    stack: Stack, tiny_model_dir: Path, shared_data: Path, tmp_path: Path
) -> None:
    python = await asyncio.to_thread(build_torch_free_venv, tmp_path)
    main_worker = stack.fleets.workflow
    main_worker.stop()
    torchless = Fleets(
        stack.client.service_client.config.target_host,
        stack.client.namespace,
        stack.training_queue,
        stack.eval_queue,
        log_dir=tmp_path / "logs",
        workflow_python=python,
        block_torch_in_workflow_worker=False,
    ).workflow
    torchless.start()
    try:
        await torchless.wait_until_polling(stack.client)
        experiment = CoordinatorWorkflowInput(
            configs=[
                CoordinatorWorkflowConfig(
                    run_id="torchless",
                    fine_tune=tiny_config(tiny_model_dir, shared_data / "sst2", max_steps=2),
                )
            ]
        )
        coordinator_id, [result] = await stack.run_coordinator(experiment, "torchless")
    finally:
        torchless.stop()
        main_worker.start()
        await main_worker.wait_until_polling(stack.client)
    assert result.status == RunStatus.SUCCEEDED, result
    assert f"experiment {coordinator_id}: 1 configs" in torchless.log()
    assert "run torchless: fine-tune attempt 1/" in torchless.log()


async def test_histories_of_this_run_replay(stack: Stack) -> None:
    if not stack.coordinator_ids:
        pytest.skip("replays the coordinators of this module's other tests; none ran")
    histories: list[WorkflowHistory] = []
    for coordinator_id in stack.coordinator_ids:
        handle = stack.client.get_workflow_handle(coordinator_id)
        histories.append(await handle.fetch_history())
        progress = await handle.query(GET_PROGRESS_QUERY, result_type=ExperimentProgress)
        for child_id in progress.training_workflow_ids + progress.eval_workflow_ids:
            try:
                histories.append(await stack.client.get_workflow_handle(child_id).fetch_history())
            except Exception:  # an eval child never started (its training failed)
                continue
    replayer = Replayer(workflows=list(ALL_WORKFLOWS), data_converter=pydantic_data_converter)
    for history in histories:
        await replayer.replay_workflow(history)
    if os.environ.get(RECORD_ENV) == "1":
        HISTORIES.mkdir(exist_ok=True)
        for history in histories:
            if not history.workflow_id.startswith(RECORDED_PREFIXES):
                continue
            target = HISTORIES / f"{history.workflow_id.replace('/', '--')}.json"
            target.write_text(json.dumps(json.loads(history.to_json()), indent=1))
