"""The three worker fleets as separate OS processes, for integration, fault and CLI tests.

``Fleets.start_all()`` launches the workflow worker, the training activity worker and the eval
activity worker against one Temporal server; each fleet can be stopped (SIGTERM), killed
(SIGKILL) or restarted on its own, and each writes its log to ``<log_dir>/<name>.log``.
``wait_until_polling`` asks the server's task-queue pollers until the process is seen polling.

Typical use::

    fleets = Fleets(address, namespace, training_queue, eval_queue, log_dir=tmp_path,
                    env={"BERT_ARTIFACT_ROOT": str(runs)})
    await fleets.start_all(client)
    try:
        ...
        fleets.training.kill()
        await fleets.training.restart(client)
    finally:
        fleets.stop_all()
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

TORCH_BLOCKED_WORKFLOW_WORKER = Path(__file__).parent / "workflows" / "torch_blocked_worker.py"
"""Runs ``bert_workflows.worker.run`` with torch, transformers, datasets and bert_activities
refused by a ``sys.meta_path`` finder (an import of any of them crashes the worker)."""


@dataclass
class FleetProcess:
    """One worker process: its command line, environment, log file and the queues it polls."""

    name: str
    argv: list[str]
    log_path: Path
    polls: list[tuple[str, "TaskQueueType.ValueType"]]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def pid(self) -> int | None:
        """PID of the running process, else ``None``."""
        return self.process.pid if self.is_running else None  # type: ignore[union-attr]

    @property
    def is_running(self) -> bool:
        """Whether the process was started and has not exited."""
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        """Exit status of the last process, ``None`` while running or never started."""
        return None if self.process is None else self.process.poll()

    def start(self) -> None:
        """Start the process (appending to its log); fails if it is already running."""
        if self.is_running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1}: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
                cwd=self.cwd,
                start_new_session=True,
            )
        self.starts += 1

    async def wait_until_polling(self, client: Client, timeout_s: float = 60.0) -> float:
        """Wait until the server lists this process as a poller of all its queues; return secs."""
        began = time.monotonic()
        while True:
            if not self.is_running:
                raise RuntimeError(
                    f"{self.name} exited with {self.returncode} before polling; log:\n{self.log()}"
                )
            if all([await _polled_by(client, q, kind, self.pid or 0) for q, kind in self.polls]):
                return time.monotonic() - began
            if time.monotonic() - began > timeout_s:
                raise TimeoutError(
                    f"{self.name} not polling {self.polls} after {timeout_s}s; log:\n{self.log()}"
                )
            await asyncio.sleep(0.25)

    def terminate(self) -> None:
        """Send SIGTERM (graceful shutdown) without waiting; see :meth:`stop`."""
        if self.is_running:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout_s: float = 60.0) -> int | None:
        """SIGTERM (graceful shutdown), wait ``timeout_s``, then SIGKILL; return the status."""
        if not self.is_running:
            return self.returncode
        self.terminate()
        return self.wait(timeout_s)

    def wait(self, timeout_s: float = 60.0) -> int | None:
        """Wait for the process to exit; SIGKILL it after ``timeout_s``; return the status."""
        if self.process is None:
            return None
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return self.kill()

    def kill(self) -> int | None:
        """SIGKILL the process and everything in its session (``kill -9``); return the status."""
        if not self.is_running:
            return self.returncode
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=30)

    async def restart(self, client: Client, *, hard: bool = False) -> float:
        """Stop (or kill, if ``hard``), start again and wait until polling; return the seconds."""
        if hard:
            self.kill()
        else:
            self.stop()
        self.start()
        return await self.wait_until_polling(client)

    def log(self) -> str:
        """The whole log of this fleet so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def _polled_by(
    client: Client, task_queue: str, kind: "TaskQueueType.ValueType", pid: int
) -> bool:
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=kind,
        )
    )
    return any(poller.identity.startswith(f"{pid}@") for poller in response.pollers)


WORKFLOW = TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
ACTIVITY = TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY


class Fleets:
    """The workflow fleet, the training activity fleet and the eval activity fleet."""

    def __init__(
        self,
        address: str,
        namespace: str,
        training_task_queue: str,
        eval_task_queue: str,
        *,
        log_dir: Path,
        env: Mapping[str, str] | None = None,
        python: str = sys.executable,
        workflow_python: str | None = None,
        block_torch_in_workflow_worker: bool = True,
        activity_args: Sequence[str] = (),
        cwd: Path | None = None,
    ) -> None:
        connection = ["--address", address, "--namespace", namespace]
        queues = [
            "--training-task-queue",
            training_task_queue,
            "--eval-task-queue",
            eval_task_queue,
        ]
        workflow_entry = (
            [str(TORCH_BLOCKED_WORKFLOW_WORKER)]
            if block_torch_in_workflow_worker
            else ["-m", "bert_workflows.worker"]
        )
        shared_env = dict(env or {})
        self.workflow = FleetProcess(
            name="workflow-worker",
            argv=[workflow_python or python, *workflow_entry, *connection, *queues],
            log_path=log_dir / "workflow-worker.log",
            polls=[(training_task_queue, WORKFLOW), (eval_task_queue, WORKFLOW)],
            env=shared_env,
            cwd=cwd,
        )
        self.training = FleetProcess(
            name="training-worker",
            argv=[
                python,
                "-m",
                "bert_activities.worker",
                "--queue",
                "training",
                "--task-queue",
                training_task_queue,
                *connection,
                *activity_args,
            ],
            log_path=log_dir / "training-worker.log",
            polls=[(training_task_queue, ACTIVITY)],
            env=shared_env,
            cwd=cwd,
        )
        self.eval = FleetProcess(
            name="eval-worker",
            argv=[
                python,
                "-m",
                "bert_activities.worker",
                "--queue",
                "eval",
                "--task-queue",
                eval_task_queue,
                *connection,
                *activity_args,
            ],
            log_path=log_dir / "eval-worker.log",
            polls=[(eval_task_queue, ACTIVITY)],
            env=shared_env,
            cwd=cwd,
        )

    @property
    def all(self) -> tuple[FleetProcess, FleetProcess, FleetProcess]:
        """Workflow, training and eval fleets."""
        return (self.workflow, self.training, self.eval)

    async def start_all(self, client: Client, timeout_s: float = 120.0) -> None:
        """Start every fleet and wait until each polls its queues."""
        for fleet in self.all:
            fleet.start()
        await asyncio.gather(*(f.wait_until_polling(client, timeout_s) for f in self.all))

    def stop_all(self, timeout_s: float = 60.0) -> dict[str, int | None]:
        """SIGTERM every fleet at once (SIGKILL after ``timeout_s``); return their exit statuses."""
        for fleet in self.all:
            fleet.terminate()
        return {fleet.name: fleet.wait(timeout_s) for fleet in self.all}

    def logs(self) -> str:
        """Every fleet's log, for assertion messages."""
        return "\n".join(f"===== {f.name}\n{f.log()}" for f in self.all)
