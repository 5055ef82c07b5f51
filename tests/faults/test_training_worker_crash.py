"""Issue 6, cases 1 and 5a: kill -9 the training worker after a checkpoint, with a torn save.

The worker dies after at least one checkpoint; before a new worker starts, a partially written
``checkpoint-<next>`` folder is left behind (weights cut short, no ``trainer_state.json``), as a
crash during ``save`` would leave it. The fine-tune activity is retried after the heartbeat
timeout, resumes from the newest *complete* checkpoint, and the coordinator returns every result.
The suite runs two training workers; the one running the crashed run's fine-tune is killed.
"""

import asyncio
import time
import uuid
from pathlib import Path

import pytest
from bert_types.evaluation import RunStatus
from bert_types.fine_tune import BertFineTuneRequest
from bert_types.names import FINE_TUNE_ACTIVITY

from tests.faults.environment import FaultEnv
from tests.faults.history import activity_inputs, activity_runs
from tests.faults.runs import (
    checkpoint_steps_on_disk,
    last_logged_step,
    progress_of,
    start_coordinator,
    started_activity,
    training_handle_of,
    wait_for_checkpoint,
)
from tests.faults.settings import HEARTBEAT_TIMEOUT_S

MAX_STEPS = 250
CHECKPOINT_STEPS = 10
SIBLING_STEPS = 20


def plant_torn_checkpoint(run_dir: Path, complete: Path, step: int) -> Path:
    """A ``checkpoint-<step>`` folder as a crash mid-save leaves it: weights cut short, no state."""
    torn = run_dir / f"checkpoint-{step}"
    torn.mkdir()
    (torn / "config.json").write_bytes((complete / "config.json").read_bytes())
    weights = (complete / "model.safetensors").read_bytes()
    (torn / "model.safetensors").write_bytes(weights[: len(weights) // 3])
    return torn


@pytest.mark.slow
async def test_training_worker_killed_resumes_from_newest_complete_checkpoint(
    fault_env: FaultEnv,
) -> None:
    client = fault_env.client
    tag = uuid.uuid4().hex[:6]
    crashed_id, sibling_id = f"crash-train-{tag}", f"crash-sibling-{tag}"
    configs = [
        fault_env.config(
            crashed_id, max_steps=MAX_STEPS, checkpoint_steps=CHECKPOINT_STEPS, save_total_limit=3
        ),
        fault_env.config(sibling_id, max_steps=SIBLING_STEPS, checkpoint_steps=CHECKPOINT_STEPS),
    ]
    coordinator = await start_coordinator(client, configs, f"exp-crash-train-{tag}")
    training = await training_handle_of(client, coordinator, crashed_id)
    checkpoint = await wait_for_checkpoint(training, min_step=CHECKPOINT_STEPS)
    worker = fault_env.worker_running((await started_activity(training)).last_worker_identity)

    progress = await progress_of(training)
    killed_at = time.time()
    worker.kill()
    logged_step_at_kill = last_logged_step(worker.log(), crashed_id)
    run_dir = fault_env.artifact_root / crashed_id
    steps_on_disk = checkpoint_steps_on_disk(run_dir)
    # The progress query lags by up to one progress interval; a checkpoint on disk is exact.
    step_at_kill = max(progress.step if progress else 0, checkpoint.step, *steps_on_disk)
    torn_step = max(steps_on_disk) + CHECKPOINT_STEPS
    complete = run_dir / f"checkpoint-{max(steps_on_disk)}"
    if not (complete / "trainer_state.json").is_file():  # the kill hit that save
        complete = run_dir / f"checkpoint-{sorted(steps_on_disk)[-2]}"
    torn = plant_torn_checkpoint(run_dir, complete, torn_step)
    assert step_at_kill < MAX_STEPS, "the run ended before the kill: make it longer"

    await worker.restart(client)
    restarted_at = time.time()
    results = await asyncio.wait_for(coordinator.result(), 300)
    finished_at = time.time()

    assert [result.run_id for result in results] == [crashed_id, sibling_id]
    assert all(result.status == RunStatus.SUCCEEDED for result in results), [
        (result.run_id, result.status, result.error_type, result.error) for result in results
    ]
    crashed, sibling = results[0].training, results[1].training
    assert crashed is not None
    assert sibling is not None
    assert crashed.resumed_from is not None, "the retry trained from scratch"
    assert crashed.resumed_from.step >= checkpoint.step
    assert crashed.resumed_from.step < torn_step, "resumed from a torn save"
    steps_lost = (logged_step_at_kill or step_at_kill) - crashed.resumed_from.step
    assert steps_lost <= CHECKPOINT_STEPS, "more than one checkpoint interval was lost"
    assert crashed.global_step == MAX_STEPS == crashed.total_steps
    assert sibling.global_step == SIBLING_STEPS, sibling.model_dump_json(indent=1)

    runs = await activity_runs(training, FINE_TUNE_ACTIVITY)
    assert runs[0].outcome == "timed_out", runs
    assert runs[-1].outcome == "completed", runs
    requests = await activity_inputs(training, FINE_TUNE_ACTIVITY, BertFineTuneRequest)
    assert requests[0].resume_from_checkpoint is None
    assert all(request.resume_from_checkpoint is not None for request in requests[1:])
    retry_started = runs[1].started_at
    assert retry_started is not None
    fault_env.report.record(
        "1-training-worker-kill",
        checkpoint_signalled_before_kill=checkpoint.step,
        step_at_kill=step_at_kill,
        checkpoints_on_disk_at_kill=steps_on_disk,
        torn_checkpoint_planted=torn.name,
        resumed_from_step=crashed.resumed_from.step,
        resumed_from_path=crashed.resumed_from.path,
        last_step_logged_before_kill=logged_step_at_kill,
        steps_lost=steps_lost,
        checkpoint_interval=CHECKPOINT_STEPS,
        final_global_step=crashed.global_step,
        fine_tune_attempts=len(runs),
        heartbeat_timeout_s=HEARTBEAT_TIMEOUT_S,
        killed_worker=worker.name,
        worker_restart_s=round(restarted_at - killed_at, 2),
        kill_to_retry_started_s=round(retry_started.timestamp() - killed_at, 2),
        kill_to_coordinator_done_s=round(finished_at - killed_at, 2),
    )
