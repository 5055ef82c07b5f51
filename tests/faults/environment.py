"""Everything a fault test works with, as one object: server, client, fleets, data, roots."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bert_types.fine_tune_config import BertFineTuneConfig
from temporalio.client import Client

from tests.faults.bad_data import FaultData
from tests.faults.report import FaultReport
from tests.faults.settings import tiny_config
from tests.faults.temporal_server import RestartableTemporalServer
from tests.fleet import FleetProcess, Fleets


@dataclass(frozen=True)
class FaultEnv:
    """The suite's server and fleets, its datasets and where runs and snapshots go."""

    server: RestartableTemporalServer
    client: Client
    fleets: Fleets
    training_workers: tuple[FleetProcess, ...]
    """``fleets.training`` and a second training worker process."""
    data: FaultData
    model_dir: Path
    artifact_root: Path
    snapshot_root: Path
    report: FaultReport
    trained_run_id: str = ""
    """A completed, evaluated 2-label SST-2 run with checkpoints on disk."""

    def config(self, run_id: str, **overrides: Any) -> BertFineTuneConfig:
        """A tiny fine-tune config on the good SST-2 sample (``overrides`` win)."""
        defaults: dict[str, Any] = {
            "model_dir": self.model_dir,
            "dataset": self.data.sst2,
            "artifact_root": self.artifact_root,
            "snapshot_root": self.snapshot_root,
        }
        return tiny_config(run_id, **{**defaults, **overrides})

    @property
    def workers(self) -> tuple[FleetProcess, ...]:
        """Every worker process: workflow, both training workers, eval."""
        return (self.fleets.workflow, *self.training_workers, self.fleets.eval)

    def worker_running(self, identity: str) -> FleetProcess:
        """The worker process whose Temporal identity (``<pid>@<host>``) is ``identity``."""
        for worker in self.workers:
            if worker.pid is not None and identity.startswith(f"{worker.pid}@"):
                return worker
        raise LookupError(f"no worker process of this suite has the identity {identity!r}")

    def training_log(self) -> str:
        """The logs of both training workers."""
        return "\n".join(worker.log() for worker in self.training_workers)

    def assert_fleets_running(self) -> None:
        """Every worker process is still alive (fails with the logs of the dead ones)."""
        dead = [fleet for fleet in self.workers if not fleet.is_running]
        assert not dead, "\n".join(
            f"{fleet.name} exited with {fleet.returncode}:\n{fleet.log()[-3000:]}" for fleet in dead
        )
