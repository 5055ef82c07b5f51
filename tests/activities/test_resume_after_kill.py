"""A training process killed with SIGKILL after its first checkpoint resumes from it."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bert_activities.training import fine_tune
from bert_types import BertFineTuneRequest, DatasetSnapshotResult

REPO_ROOT = Path(__file__).resolve().parents[2]


def _events(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.endswith("}")]


def _child(request_file: Path, log: Path, delay: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.activities.resume_child",
            str(request_file),
            str(log),
            str(delay),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"},
    )


def test_killed_run_resumes_from_its_checkpoint(
    sst2_snapshot: DatasetSnapshotResult,
    tiny_request: Callable[..., BertFineTuneRequest],
    tmp_path: Path,
) -> None:
    request = tiny_request(
        sst2_snapshot, "killed", output_dir=tmp_path / "killed", num_epochs=3, checkpoint_steps=4
    )
    request_file = tmp_path / "request.json"
    request_file.write_text(request.model_dump_json())
    first_log, second_log = tmp_path / "first.jsonl", tmp_path / "second.jsonl"

    child = _child(request_file, first_log, delay=0.5)
    deadline = time.monotonic() + 180
    while not any("checkpoint" in e for e in _events(first_log)):
        assert child.poll() is None, "the child ended before its first checkpoint"
        assert time.monotonic() < deadline, "no checkpoint within 180 s"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    killed_at = max(e["step"] for e in _events(first_log) if "step" in e)
    assert [e["checkpoint"] for e in _events(first_log) if "checkpoint" in e] == [4]
    assert killed_at < 8

    resumed = _child(request_file, second_log, delay=0.0)
    assert resumed.wait(timeout=300) == 0
    events = _events(second_log)
    steps = [e["step"] for e in events if "step" in e]
    result = next(e["result"] for e in events if "result" in e)
    assert result["resumed_from"]["step"] == 4
    assert steps[0] == 4
    assert min(s for s in steps if s != 4) == 5

    reference = fine_tune(
        tiny_request(
            sst2_snapshot,
            "reference",
            output_dir=tmp_path / "ref",
            num_epochs=3,
            checkpoint_steps=4,
        )
    )
    assert result["global_step"] == reference.global_step == 18
    assert result["total_steps"] == reference.total_steps
