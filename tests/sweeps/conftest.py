"""Fixtures of the sweep tests: in-process workers with the real activities on fresh queues."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

from tests.sweeps.sweep_harness import BATCH, REAL_ROWS, RealStack, sweep_workers


@pytest.fixture(scope="module")
async def real_stack(
    temporal_env: Any,
    tiny_model_dir: Path,
    shared_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[RealStack]:
    from bert_activities.worker import activities_for

    client: Client = temporal_env.client
    root = tmp_path_factory.mktemp("real-sweeps")
    base = {
        "model_name": str(tiny_model_dir),
        "dataset_name": str(shared_data / "sst2"),
        "max_train_samples": REAL_ROWS,
        "max_eval_samples": REAL_ROWS,
        "batch_size": BATCH,
        "max_seq_length": 32,
        "logging_steps": 1,
        "use_gpu": False,
        "artifact_root": str(root / "runs"),
        "snapshot_root": str(root / "snapshots"),
        "execution": {
            "heartbeat_timeout_s": 30,
            "progress_interval_s": 0.5,
            "retry_initial_interval_s": 0.2,
        },
    }
    async with sweep_workers(client, activities_for("training"), activities_for("eval")) as queues:
        yield RealStack(client, queues, root, base)
