"""5. Resume cost: SIGKILL the training worker at a random step, start a new one, measure.

A ``CheckpointedBertTrainingWorkflow`` trains all-MiniLM-L6-v2 on 640 SST-2 rows (40 steps,
default checkpoint interval: every 20 steps) on the local stack, logging every step. When the
worker's log shows the randomly drawn step, the worker is SIGKILLed and a fresh one started at
once. Reported: steps lost (last step done minus the checkpoint resumed from; must be at most one
interval) and seconds from the new worker's start to its first new training step, split into
process start to polling, waiting for the server to give up on the dead attempt (heartbeat
timeout, set to 10 s here; 60 s by default) plus the retry delay, and attempt start to first step.
"""

import asyncio
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bert_types import BertFineTuneResult, ExecutionPolicy
from bert_types.names import FINE_TUNE_ACTIVITY, TRAINING_TASK_QUEUE, TRAINING_WORKFLOW

from bench.context import BenchContext
from bench.data import data_dir
from bench.experiments import cpu_config
from bench.harness import BenchResult, verdict
from bench.history import read_timeline
from bench.local_stack import FleetProcess, LocalStack
from bench.spy import py_spy_record

NAME = "resume"
TITLE = "5 resume after worker kill"
HEARTBEAT_TIMEOUT_S = 10.0
LOG_TIME = r"^(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) "
STEP_LINE = re.compile(LOG_TIME + r".*run (?P<run>\S+): step (?P<step>\d+)/")
RESUME_LINE = re.compile(LOG_TIME + r".*run (?P<run>\S+): resuming from ")


@dataclass(frozen=True)
class LoggedStep:
    """A ``run X: step N/M`` line of a worker log."""

    at: float
    step: int


def logged_steps(log: Path, run_id: str) -> list[LoggedStep]:
    """Every step line of ``run_id`` in ``log`` (time from the log's local timestamp)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return []
    steps = []
    for line in text.splitlines():
        match = STEP_LINE.match(line)
        if match and match["run"] == run_id:
            steps.append(LoggedStep(at=_log_time(match["at"]), step=int(match["step"])))
    return steps


def _log_time(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def resume_logged_at(log: Path, run_id: str) -> float | None:
    """When the worker logged that it resumes ``run_id`` from a checkpoint (None if it did not)."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        match = RESUME_LINE.match(line)
        if match and match["run"] == run_id:
            return _log_time(match["at"])
    return None


def training_fleet(stack: LocalStack) -> FleetProcess:
    """The live training worker of ``stack``."""
    for fleet in reversed(stack.fleets):
        if fleet.kind == "training" and fleet.process.poll() is None:
            return fleet
    raise RuntimeError("the local stack has no live training worker")


async def _wait_for_step(
    fleet: FleetProcess, run_id: str, step: int, timeout_s: float
) -> LoggedStep:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        seen = logged_steps(fleet.log_path, run_id)
        if seen and seen[-1].step >= step:
            return seen[-1]
        if fleet.process.poll() is not None:
            raise RuntimeError(f"training worker exited early; see {fleet.log_path}")
        await asyncio.sleep(0.05)
    raise TimeoutError(f"run {run_id} did not reach step {step} in {timeout_s:.0f}s")


async def run(context: BenchContext) -> BenchResult:
    """Kill the training worker mid-run, start a new one, measure what the restart cost."""
    rows = 96 if context.quick else 640
    batch_size = 16
    total_steps = rows // batch_size
    interval = total_steps // 2
    draw = random.Random()
    kill_step = draw.randint(1, total_steps - 2)
    stack = await context.stack()
    run_id = f"resume-{uuid.uuid4().hex[:6]}"
    config = cpu_config(
        context.minilm(),
        data_dir() / "sst2",
        run_id=run_id,
        max_train_samples=rows,
        max_eval_samples=64,
        num_epochs=1,
        batch_size=batch_size,
        max_seq_length=64,
        logging_steps=1,
        artifact_root=str(stack.artifact_root),
        snapshot_root=str(stack.snapshot_root),
        execution=ExecutionPolicy(heartbeat_timeout_s=HEARTBEAT_TIMEOUT_S),
    )
    old = training_fleet(stack)
    handle = await stack.client.start_workflow(
        TRAINING_WORKFLOW,
        config,
        id=f"bench-{run_id}",
        task_queue=TRAINING_TASK_QUEUE,
        result_type=BertFineTuneResult,
    )
    killed_after = await _wait_for_step(old, run_id, kill_step, timeout_s=600)
    stack.kill(old)
    killed_at = time.time()
    last_done = logged_steps(old.log_path, run_id)[-1].step
    new = stack.start_fleet("training")
    profiles = context.profile_dir
    with py_spy_record(new.pid, profiles / f"{NAME}_new_worker.txt" if profiles else None):
        ready_s = await stack.wait_ready(new)
        result: BertFineTuneResult = await handle.result()

    resumed_step = result.resumed_from.step if result.resumed_from else 0
    new_steps = [s for s in logged_steps(new.log_path, run_id) if s.step > resumed_step]
    if not new_steps:
        raise RuntimeError(f"no training step of {run_id} in the new worker's log {new.log_path}")
    first_new = new_steps[0]
    timeline = await read_timeline(stack.client, f"bench-{run_id}")
    attempts = timeline.activity(FINE_TUNE_ACTIVITY)
    if len(attempts) < 2 or attempts[-1].started is None:
        raise RuntimeError(f"expected a second fine-tune attempt, history has {len(attempts)}")
    retry = attempts[-1]
    resume_at = resume_logged_at(new.log_path, run_id)
    steps_lost = last_done - resumed_step
    to_first_step = first_new.at - new.started_at
    met, gap = verdict(steps_lost, interval, at_most=True)
    figures = {
        "total_steps": total_steps,
        "checkpoint_interval_steps": interval,
        "kill_step_drawn": kill_step,
        "last_step_done_before_kill": last_done,
        "resumed_from_step": resumed_step,
        "steps_lost": steps_lost,
        "new_worker_start_to_first_new_step_s": round(to_first_step, 3),
        "split_s": {
            "worker_start_to_polling": round(ready_s, 3),
            "polling_to_attempt_started": round(retry.started - (new.started_at + ready_s), 3),
            "attempt_started_to_first_new_step": round(first_new.at - retry.started, 3),
        },
        "attempt_split_s": {
            "attempt_started_to_resume_logged": (
                round(resume_at - retry.started, 3) if resume_at else None
            ),
            "resume_logged_to_first_new_step": (
                round(first_new.at - resume_at, 3) if resume_at else None
            ),
        },
        "kill_to_first_new_step_s": round(first_new.at - killed_at, 3),
        "kill_to_retry_scheduled_s": round(retry.scheduled - killed_at, 3),
        "dead_attempt_outcome": attempts[0].outcome,
        "heartbeat_timeout_s": HEARTBEAT_TIMEOUT_S,
        "final_global_step": result.global_step,
        "attempts": len(attempts),
        "killed_after_step_logged_at": round(killed_at - killed_after.at, 3),
    }
    if result.global_step != total_steps:
        raise AssertionError(f"resumed run ended at step {result.global_step}, not {total_steps}")
    return BenchResult(
        name=NAME,
        title=TITLE,
        plain="(no resume: a killed script starts over)",
        system=f"{steps_lost} steps lost, {to_first_step:.1f}s to first new step",
        ratio=None,
        target=f"steps lost <= {interval} (one interval)",
        target_met=met,
        gap=gap,
        figures=figures,
        workload={
            "model": "all-MiniLM-L6-v2",
            "rows": rows,
            "batch_size": batch_size,
            "steps": total_steps,
            "checkpoint_steps": interval,
            "heartbeat_timeout_s": HEARTBEAT_TIMEOUT_S,
            "kill": "SIGKILL of the training activity worker process",
        },
        notes=[
            "attempt_started_to_resume_logged covers the first activity on the fresh worker: "
            "reading the snapshot, tokenising, loading tokenizer and config (and importing "
            "torch/transformers if the worker had not before polling); "
            "resume_logged_to_first_new_step covers building the "
            "model and Trainer, loading weights, optimizer and RNG state from the checkpoint and "
            "the first step.",
            "A plain Trainer script killed at step k starts again from step 0 unless the user "
            "wires resume_from_checkpoint by hand: it loses k steps.",
            f"The retry cannot start before the server declares the killed attempt lost, "
            f"{HEARTBEAT_TIMEOUT_S:.0f}s (60s by default) after its last heartbeat; a new "
            "worker's start-up runs during that wait.",
        ],
    )


if __name__ == "__main__":
    from bench.runner import main

    sys.exit(main(only=NAME))
