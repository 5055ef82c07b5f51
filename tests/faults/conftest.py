"""Fixtures of the fault suite: one restartable Temporal server and one set of fleets for all.

The server is this suite's own (SQLite state file, fixed port) so that a test can stop and start
it; the fleets (``tests/fleet.py`` and a second training worker) run as real processes against it
and may be killed and restarted by the tests. Everything the runs write goes under one temporary
folder. The fixtures are package-scoped: the processes end with the last test of this folder.
"""

import asyncio
import dataclasses
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from bert_types.evaluation import RunStatus
from bert_types.names import (
    ENV_ARTIFACT_ROOT,
    ENV_SNAPSHOT_ROOT,
    EVAL_TASK_QUEUE,
    TRAINING_TASK_QUEUE,
)
from temporalio.client import Client

from tests.faults.bad_data import FaultData, build_fault_data
from tests.faults.environment import FaultEnv
from tests.faults.report import FaultReport
from tests.faults.runs import start_coordinator
from tests.faults.temporal_server import RestartableTemporalServer
from tests.fleet import FleetProcess, Fleets


@pytest.fixture(scope="package")
def fault_server(
    temporal_cli: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RestartableTemporalServer]:
    """The suite's own Temporal dev server with a persistent database file."""
    server = RestartableTemporalServer(temporal_cli, tmp_path_factory.mktemp("fault-server"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
async def fault_client(fault_server: RestartableTemporalServer) -> Client:
    """A client of the suite's server with the pydantic data converter."""
    from temporalio.contrib.pydantic import pydantic_data_converter

    await fault_server.wait_until_healthy()
    return await Client.connect(fault_server.address, data_converter=pydantic_data_converter)


@pytest.fixture(scope="package")
def fault_roots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``(artifact_root, snapshot_root)`` shared by every run of the suite."""
    root = tmp_path_factory.mktemp("fault-runs")
    return root / "runs", root / "snapshots"


@pytest.fixture(scope="package")
def fault_data(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> FaultData:
    """The suite's good and malformed datasets."""
    return build_fault_data(tmp_path_factory.mktemp("fault-data"), shared_data)


@pytest.fixture(scope="package")
def fault_report() -> Iterator[FaultReport]:
    """Measured figures of every fault case, written to ``$BERT_FAULT_REPORT`` at the end."""
    report = FaultReport()
    yield report
    report.write()


@pytest.fixture(scope="package")
async def fleets(
    fault_server: RestartableTemporalServer,
    fault_client: Client,
    fault_roots: tuple[Path, Path],
    fault_report: FaultReport,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Fleets]:
    """Workflow, training and eval workers as processes polling the suite's server.

    Each runs with its default activity slots (one training at a time, two evaluations). Each
    gets one math thread: the workers and a server share the CI machine's cores, and torch's
    default thread pool, oversubscribed, slowed a tiny training step ~35-fold.
    """
    artifact_root, snapshot_root = fault_roots
    fleet = Fleets(
        fault_server.address,
        "default",
        TRAINING_TASK_QUEUE,
        EVAL_TASK_QUEUE,
        log_dir=tmp_path_factory.mktemp("fault-fleet-logs"),
        env={
            ENV_ARTIFACT_ROOT: str(artifact_root),
            ENV_SNAPSHOT_ROOT: str(snapshot_root),
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        },
    )
    began = time.monotonic()
    await fleet.start_all(fault_client, timeout_s=180)
    fault_report.record("setup", fleets_polling_after_s=round(time.monotonic() - began, 1))
    try:
        yield fleet
    finally:
        fleet.stop_all()


@pytest.fixture(scope="package")
async def second_training_worker(
    fleets: Fleets, fault_client: Client
) -> AsyncIterator[FleetProcess]:
    """A second training worker process, as a fleet of two GPU nodes would have.

    A training worker runs one activity at a time, so bad input served while a good run trains,
    or two trainings at once, need a second one.
    """
    worker = dataclasses.replace(
        fleets.training,
        name="training-worker-2",
        log_path=fleets.training.log_path.with_name("training-worker-2.log"),
        process=None,
        starts=0,
    )
    worker.start()
    await worker.wait_until_polling(fault_client, timeout_s=180)
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture(scope="package")
async def fault_session(
    *,
    fault_server: RestartableTemporalServer,
    fault_client: Client,
    fleets: Fleets,
    second_training_worker: FleetProcess,
    fault_data: FaultData,
    tiny_model_dir: Path,
    fault_roots: tuple[Path, Path],
    fault_report: FaultReport,
) -> FaultEnv:
    """The suite's server, client, fleets, data and roots, with warm workers and a trained run.

    One coordinator trains and evaluates a tiny run first: the first timed cases do not pay for
    loading torch, transformers and datasets, and the eval worker (two slots) has imported them
    before two evaluations can start at once (first imports race; docs/RELIABILITY.md).
    """
    artifact_root, snapshot_root = fault_roots
    env = FaultEnv(
        server=fault_server,
        client=fault_client,
        fleets=fleets,
        training_workers=(fleets.training, second_training_worker),
        data=fault_data,
        model_dir=tiny_model_dir,
        artifact_root=artifact_root,
        snapshot_root=snapshot_root,
        report=fault_report,
    )
    run_id = f"trained-{uuid.uuid4().hex[:8]}"
    config = env.config(run_id, max_steps=4, checkpoint_steps=2)
    began = time.monotonic()
    coordinator = await start_coordinator(fault_client, [config], f"exp-{run_id}")
    [result] = await asyncio.wait_for(coordinator.result(), 300)
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert result.training is not None
    assert result.training.global_step == 4
    fault_report.record("setup", warm_up_coordinator_s=round(time.monotonic() - began, 1))
    return dataclasses.replace(env, trained_run_id=run_id)


@pytest.fixture
async def fault_env(fault_session: FaultEnv) -> FaultEnv:
    """The package's fault environment; a worker a failed test left dead is restarted first."""
    for fleet in fault_session.workers:
        if not fleet.is_running:
            await fleet.restart(fault_session.client)
    return fault_session
