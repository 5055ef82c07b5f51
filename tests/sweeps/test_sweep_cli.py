"""``bert sweep FILE --json OUT`` as a user runs it: a separate process against the real server,
served by this module's in-process workers (real activities, tiny BERT)."""

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
import yaml
from bert_types import SweepLeaderboard, SweepStatus
from typer.testing import CliRunner

from tests.sweeps.sweep_harness import RealStack

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

BERT = Path(sys.executable).parent / "bert"


async def _bert(stack: RealStack, *args: str) -> tuple[int, str]:
    address = stack.client.service_client.config.target_host
    process = await asyncio.create_subprocess_exec(
        str(BERT),
        "--address",
        address,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "BERT_EVAL_TASK_QUEUE": stack.queues.eval, "COLUMNS": "200"},
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=240)
    return process.returncode or 0, output.decode()


async def test_bert_sweep_prints_the_leaderboard_and_writes_json(
    real_stack: RealStack, tmp_path: Path
) -> None:
    config = real_stack.config(
        sweep_id=f"cli-sweep-{os.getpid()}-{id(tmp_path)}",
        base={"max_steps": 2},
        algorithm="grid",
        max_concurrent_trials=2,
        search_space={"learning_rate": [1e-4, 1e-3], "text_field": ["sentence", "nope"]},
    )
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(yaml.safe_dump(config.model_dump(mode="json", exclude_none=True)))
    out = tmp_path / "out" / "leaderboard.json"

    code, output = await _bert(real_stack, "sweep", str(sweep_file), "--json", str(out))

    assert code == 0, output
    board = SweepLeaderboard.model_validate(json.loads(out.read_text()))
    assert board.sweep_id == config.sweep_id
    assert board.status is SweepStatus.COMPLETED
    assert [t.status.value for t in board.trials] == ["succeeded", "succeeded", "failed", "failed"]
    assert board.best is not None
    assert f"best: trial {board.best.index}" in output
    assert "TextFieldNotFoundError" in output or "nope" in output
    assert "learning_rate=0.001" in output

    code, status_output = await _bert(real_stack, "sweep-status", board.sweep_id)
    assert code == 0, status_output
    assert f"best: trial {board.best.index}" in status_output
    code, stop_output = await _bert(real_stack, "sweep-stop", board.sweep_id)
    assert code == 1
    assert "already finished" in stop_output


def test_invalid_sweep_file_exits_2_with_field_and_line(tmp_path: Path) -> None:
    from bert_client.cli import app

    sweep_file = tmp_path / "bad.yaml"
    sweep_file.write_text(
        "base_config:\n  dataset_name: x\nalgorithm: random\nsearch_space:\n"
        "  learning_rat: [1.0e-4]\n"
    )
    result = CliRunner().invoke(app, ["sweep", str(sweep_file)])
    assert result.exit_code == 2, result.output
    assert "search_space.learning_rat" in result.output
    assert "line 5" in result.output
