"""A Temporal dev server of the fault suite's own, stoppable and restartable on the same port.

Unlike the session ``temporal_env`` fixture, this server keeps its state in a SQLite file
(``--db-filename``), so stopping and starting it again on the same port is a server restart
that loses nothing: workflows, histories and task queues survive.
"""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

STARTUP_TIMEOUT_S = 60.0


def free_port() -> int:
    """A TCP port that is free on localhost right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class RestartableTemporalServer:
    """``temporal server start-dev --headless --db-filename <file> --port <port>`` as a process."""

    def __init__(self, temporal_cli: str, state_dir: Path) -> None:
        self.temporal_cli = temporal_cli
        self.state_dir = state_dir
        self.db_file = state_dir / "temporal.sqlite"
        self.log_file = state_dir / "temporal-server.log"
        self.port = free_port()
        self.ui_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def address(self) -> str:
        """``host:port`` of the front end, the same across restarts."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start the server and wait until its port answers; return the seconds it took."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError(f"the Temporal server on {self.address} is already running")
        began = time.monotonic()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    self.temporal_cli,
                    "server",
                    "start-dev",
                    "--headless",
                    "--db-filename",
                    str(self.db_file),
                    "--ip",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--ui-port",
                    str(self.ui_port),
                    "--log-level",
                    "error",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        deadline = began + STARTUP_TIMEOUT_S
        while not _port_open(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the Temporal server exited with {self.process.returncode} while starting; "
                    f"see {self.log_file}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"the Temporal server did not open {self.address} in time")
            time.sleep(0.1)
        return time.monotonic() - began

    async def wait_until_healthy(self, timeout_s: float = STARTUP_TIMEOUT_S) -> float:
        """Wait until the front end accepts clients and reports healthy; return the seconds."""
        from temporalio.client import Client
        from temporalio.service import RPCError

        began = time.monotonic()
        while True:
            try:
                client = await Client.connect(self.address)
                if await client.service_client.check_health():
                    return time.monotonic() - began
            except (RuntimeError, RPCError):
                pass
            if time.monotonic() - began > timeout_s:
                raise TimeoutError(f"the Temporal server on {self.address} never became healthy")
            await asyncio.sleep(0.2)

    def stop(self, *, hard: bool = False) -> None:
        """Stop the server: SIGTERM and wait (``hard``: SIGKILL, like a crashed host)."""
        process = self.process
        if process is None or process.poll() is not None:
            self.process = None
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL if hard else signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self.process = None
        deadline = time.monotonic() + 10
        while _port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)
