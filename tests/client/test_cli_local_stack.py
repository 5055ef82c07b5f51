"""The bert CLI end to end against a local stack that the test starts with ``bert dev``.

One ``bert dev`` (Temporal dev server, workflow worker, training and eval activity workers as
child processes) serves the whole module; the tests drive it with the ``bert`` command in
subprocesses, exactly as a user would, and the last test stops it with Ctrl-C (SIGINT).
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from bert_client import RemoteWorkflowError, SyncBertClient, WorkflowNotFoundError
from bert_client.cli.stack_commands import stack_is_serving
from bert_client.client import BertClient
from bert_client.local_stack import free_port, port_is_free
from bert_types import BertEvalResult, BertInferenceRequest, TemporalConnectionSettings
from bert_types.errors import MODEL_NOT_FOUND, MODEL_NOT_TRAINED
from bert_types.names import COORDINATOR_WORKFLOW

BERT = [sys.executable, "-m", "bert_client"]
ENV = {**os.environ, "COLUMNS": "200", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
READY_TIMEOUT_S = 240.0


@dataclass
class DevStack:
    """A running ``bert dev`` and what it printed."""

    process: subprocess.Popen[str]
    port: int
    root: Path
    lines: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"localhost:{self.port}"

    def child_pids(self) -> dict[str, int]:
        """Pids of the stack's children, from the lines ``bert dev`` printed when ready."""
        pids = {}
        for line in self.lines:
            name, _, rest = line.strip().partition(": pid ")
            if rest:
                pids[name] = int(rest.split(",")[0])
        return pids


def bert(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the bert CLI in a subprocess."""
    return subprocess.run(
        [*BERT, *arguments], capture_output=True, text=True, timeout=timeout, env=ENV, check=False
    )


def _read_lines(stream: "subprocess.Popen[str]", into: "queue.Queue[str | None]") -> None:
    assert stream.stdout is not None
    for line in stream.stdout:
        into.put(line)
    into.put(None)


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    """``bert dev`` on free ports, headless, with its own state, runs and snapshots folders."""
    root = tmp_path_factory.mktemp("bert-dev")
    port = free_port()
    process = subprocess.Popen(
        [
            *BERT,
            "dev",
            "--port",
            str(port),
            "--headless",
            "--state-dir",
            str(root / ".bert"),
            "--artifact-root",
            str(root / "runs"),
            "--snapshot-root",
            str(root / "snapshots"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=ENV,
    )
    stack = DevStack(process, port, root)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process, lines), daemon=True).start()
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            process.kill()
            pytest.fail(f"bert dev not ready in {READY_TIMEOUT_S}s:\n{''.join(stack.lines)}")
        if line is None:
            pytest.fail(f"bert dev exited with {process.wait()}:\n{''.join(stack.lines)}")
        stack.lines.append(line)
        if "press Ctrl-C" in line:
            break
    yield stack
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=90)


def _tiny_experiment(tiny_model_dir: Path, shared_data: Path, experiment_id: str) -> dict:
    def config(run_id: str, learning_rate: float) -> dict:
        return {
            "run_id": run_id,
            "fine_tune": {
                "model_name": str(tiny_model_dir),
                "dataset_name": str(shared_data / "trec"),
                "max_train_samples": 64,
                "max_eval_samples": 32,
                "max_steps": 6,
                "checkpoint_steps": 3,
                "batch_size": 8,
                "max_seq_length": 32,
                "learning_rate": learning_rate,
                "use_gpu": False,
            },
        }

    return {
        "experiment_id": experiment_id,
        "configs": [config("cli-a", 1e-3), config("cli-b", 5e-4)],
        "execution": {"progress_interval_s": 0.5},
    }


def test_run_with_json_trains_and_evaluates_both_configs(
    dev_stack: DevStack, tiny_model_dir: Path, shared_data: Path, tmp_path: Path
) -> None:
    experiment = tmp_path / "experiment.json"
    experiment.write_text(
        json.dumps(_tiny_experiment(tiny_model_dir, shared_data, "cli-test-experiment")),
        encoding="utf-8",
    )
    out = tmp_path / "results.json"
    completed = bert(
        "--address", dev_stack.address, "run", str(experiment), "--json", str(out), timeout=300
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    records = json.loads(out.read_text(encoding="utf-8"))
    assert [record["run_id"] for record in records] == ["cli-a", "cli-b"]
    for record in records:
        assert record["status"] == "succeeded", record
        assert record["error"] is None
        assert 0.0 <= record["accuracy"] <= 1.0
        assert record["metrics"]["accuracy"] == pytest.approx(record["accuracy"])
        assert "f1_macro" in record["metrics"]
    assert "cli-a" in completed.stdout
    assert "succeeded" in completed.stdout

    status = bert("--address", dev_stack.address, "status", "cli-test-experiment")
    assert status.returncode == 0, status.stderr
    assert "cli-a" in status.stdout
    assert "cli-b" in status.stdout
    assert "completed" in status.stdout

    checkpoint = bert(
        "--address",
        dev_stack.address,
        "checkpoint",
        "cli-a",
        "--json",
        str(tmp_path / "checkpoint.json"),
    )
    assert checkpoint.returncode == 0, checkpoint.stderr
    latest = json.loads((tmp_path / "checkpoint.json").read_text(encoding="utf-8"))
    assert latest["run_id"] == "cli-a"
    assert latest["step"] == 6


def test_infer_returns_labels_in_input_order(dev_stack: DevStack, tmp_path: Path) -> None:
    texts = [
        "How far is it from Denver to Aspen ?",
        "Who wrote Hamlet ?",
        "What is the name of the longest river that flows through Egypt , Sudan and Uganda "
        "before it reaches the Mediterranean Sea ?",
        "What does NASA stand for ?",
        "Why is the sky blue ?",
    ]
    forward = tmp_path / "forward.json"
    backward = tmp_path / "backward.json"
    for order, out in ((texts, forward), (texts[::-1], backward)):
        completed = bert(
            "--address",
            dev_stack.address,
            "infer",
            "cli-a",
            *order,
            "--json",
            str(out),
            "--batch-size",
            "2",
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
    ahead = json.loads(forward.read_text(encoding="utf-8"))
    behind = json.loads(backward.read_text(encoding="utf-8"))[::-1]
    assert [row["text"] for row in ahead] == texts
    assert [row["text"] for row in behind] == texts
    assert [row["label"] for row in ahead] == [row["label"] for row in behind]
    for first, second in zip(ahead, behind, strict=True):
        assert first["confidence"] == pytest.approx(second["confidence"], abs=1e-4)
        assert first["label_id"] == second["label_id"]


def test_eval_of_a_trained_run_on_another_split(
    dev_stack: DevStack, shared_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "eval.json"
    completed = bert(
        "--address",
        dev_stack.address,
        "eval",
        "cli-a",
        "--dataset",
        str(shared_data / "trec"),
        "--split",
        "test",
        "--max-samples",
        "20",
        "--json",
        str(out),
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["run_id"] == "cli-a"
    assert result["num_samples"] == 20
    assert 0.0 <= result["metrics"]["accuracy"] <= 1.0
    assert "accuracy" in completed.stdout


def test_completed_experiment_id_is_not_started_again(
    dev_stack: DevStack, tiny_model_dir: Path, shared_data: Path, tmp_path: Path
) -> None:
    experiment = tmp_path / "again.json"
    experiment.write_text(
        json.dumps(_tiny_experiment(tiny_model_dir, shared_data, "cli-test-experiment")),
        encoding="utf-8",
    )
    completed = bert("--address", dev_stack.address, "run", str(experiment), "--detach")
    assert completed.returncode == 1, completed.stdout
    assert "'cli-test-experiment' is running or has completed" in completed.stderr


def test_sdk_surfaces_remote_errors_as_typed_exceptions(dev_stack: DevStack) -> None:
    settings = TemporalConnectionSettings(address=dev_stack.address)
    with SyncBertClient(settings) as client:
        results = client.experiment_results("cli-test-experiment")
        assert [result.run_id for result in results] == ["cli-a", "cli-b"]
        assert all(isinstance(result, BertEvalResult) for result in results)
        with pytest.raises(RemoteWorkflowError) as caught:
            client.infer(BertInferenceRequest(run_id="no-such-run", texts=["Who wrote Hamlet ?"]))
        assert caught.value.error_type in {MODEL_NOT_FOUND, MODEL_NOT_TRAINED}
        assert "no-such-run" in caught.value.message
        with pytest.raises(WorkflowNotFoundError):
            client.describe("no-such-workflow")
    completed = bert("--address", dev_stack.address, "infer", "no-such-run", "Who wrote Hamlet ?")
    assert completed.returncode == 1
    assert "no-such-run" in completed.stderr


MALFORMED = """\
experiment_id: cli-malformed-experiment
configs:
  - run_id: "not a/valid id"
    fine_tune:
      dataset_name: glue
      learning_rate: -1.0e-4
      learning_rat: 1.0e-4
"""


async def test_malformed_file_exits_2_names_every_field_and_starts_nothing(
    dev_stack: DevStack, tmp_path: Path
) -> None:
    client = await BertClient.connect(TemporalConnectionSettings(address=dev_stack.address))
    query = f"WorkflowType = '{COORDINATOR_WORKFLOW}'"
    before = await client.list_workflow_ids(query)
    bad = tmp_path / "bad.yaml"
    bad.write_text(MALFORMED, encoding="utf-8")
    completed = bert("--address", dev_stack.address, "run", str(bad))
    assert completed.returncode == 2, completed.stdout + completed.stderr
    output = completed.stdout + completed.stderr
    for path in (
        "configs[0].run_id",
        "configs[0].fine_tune.learning_rate",
        "configs[0].fine_tune.learning_rat",
    ):
        assert path in output, output
    assert await client.list_workflow_ids(query) == before
    assert "cli-malformed-experiment" not in await client.list_workflow_ids()


def test_small_demo_on_the_running_stack_writes_its_results(
    dev_stack: DevStack, tmp_path: Path
) -> None:
    out = tmp_path / "demo-results.json"
    completed = bert(
        "--address",
        dev_stack.address,
        "demo",
        "--data-dir",
        str(tmp_path / "bbc-news"),
        "--output",
        str(out),
        "--state-dir",
        str(tmp_path / ".bert"),
        "--train-samples",
        "16",
        "--eval-samples",
        "24",
        "--epochs",
        "1",
        "--min-accuracy",
        "0",
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"using the stack already running at {dev_stack.address}" in completed.stdout
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert len(summary["results"]) == 3
    assert all(record["status"] == "succeeded" for record in summary["results"])
    assert all(record["metrics"]["accuracy"] >= 0 for record in summary["results"])
    assert summary["best_accuracy"] == max(r["accuracy"] for r in summary["results"])
    assert (tmp_path / "bbc-news" / "train.jsonl").is_file()
    assert dev_stack.process.poll() is None, "a reused stack must be left running"


async def test_demo_reuses_only_a_stack_with_workers(
    dev_stack: DevStack, temporal_env: object
) -> None:
    from temporalio.testing import WorkflowEnvironment

    assert isinstance(temporal_env, WorkflowEnvironment)
    bare_server = temporal_env.client.service_client.config.target_host
    assert await stack_is_serving(dev_stack.address)
    assert not await stack_is_serving(bare_server)
    assert not await stack_is_serving(f"localhost:{free_port()}")


def test_second_stack_on_the_same_port_is_refused(dev_stack: DevStack, tmp_path: Path) -> None:
    completed = bert(
        "dev",
        "--port",
        str(dev_stack.port),
        "--headless",
        "--state-dir",
        str(tmp_path / ".bert"),
        timeout=60,
    )
    assert completed.returncode == 1
    assert f"port {dev_stack.port}" in completed.stderr
    assert "already in use" in completed.stderr
    assert dev_stack.process.poll() is None


def test_ctrl_c_stops_every_child(dev_stack: DevStack) -> None:
    pids = dev_stack.child_pids()
    assert set(pids) == {"temporal-server", "workflow-worker", "training-worker", "eval-worker"}
    dev_stack.process.send_signal(signal.SIGINT)
    assert dev_stack.process.wait(timeout=90) == 0
    for name, pid in pids.items():
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, (
            name
        )
    assert port_is_free(dev_stack.port)
