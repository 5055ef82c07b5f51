"""Issue 6, case 5a (deterministic half): a crash during or after the last save, then a retry.

A finished run is turned back into the state a crash leaves: its completion marker removed (the
worker died after the last checkpoint, before finishing), and in one variant its newest
checkpoint torn (weights cut short, ``trainer_state.json`` missing: the crash hit during that
save). Training the same config again must skip the torn folder, resume from the newest complete
checkpoint and end at exactly ``max_steps`` optimizer steps.
"""

import uuid
from pathlib import Path

import pytest
from bert_types.fine_tune import BertFineTuneRequest
from bert_types.names import FINE_TUNE_ACTIVITY

from tests.faults.environment import FaultEnv
from tests.faults.history import activity_inputs
from tests.faults.runs import checkpoint_steps_on_disk, run_training, start_training

MAX_STEPS = 6
CHECKPOINT_STEPS = 2
COMPLETION_MARKER = "bert_run_complete.json"


def tear(folder: Path) -> None:
    """Cut the weights to a third and drop ``trainer_state.json``, as an interrupted save."""
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
    (folder / "trainer_state.json").unlink()


@pytest.mark.parametrize(
    ("torn_newest", "expected_resume_step"),
    [(True, MAX_STEPS - CHECKPOINT_STEPS), (False, MAX_STEPS)],
    ids=["newest-checkpoint-torn", "crash-after-last-checkpoint"],
)
async def test_retry_resumes_from_newest_complete_checkpoint(
    fault_env: FaultEnv, torn_newest: bool, expected_resume_step: int
) -> None:
    run_id = f"partial-ckpt-{uuid.uuid4().hex[:6]}"
    config = fault_env.config(
        run_id, max_steps=MAX_STEPS, checkpoint_steps=CHECKPOINT_STEPS, save_total_limit=3
    )
    first = await run_training(fault_env.client, config)
    assert first.global_step == MAX_STEPS
    run_dir = fault_env.artifact_root / run_id
    assert checkpoint_steps_on_disk(run_dir) == [2, 4, 6]
    (run_dir / COMPLETION_MARKER).unlink()
    if torn_newest:
        tear(run_dir / f"checkpoint-{MAX_STEPS}")

    handle = await start_training(fault_env.client, config)
    second = await handle.result()

    [request] = await activity_inputs(handle, FINE_TUNE_ACTIVITY, BertFineTuneRequest)
    assert request.resume_from_checkpoint is None, "the new workflow knew no checkpoint"
    assert second.resumed_from is not None, "the retry ignored the checkpoints on disk"
    assert second.resumed_from.step == expected_resume_step
    assert second.global_step == MAX_STEPS, "the resumed run did not end at max_steps"
    assert (run_dir / COMPLETION_MARKER).is_file()
    fault_env.report.record(
        f"5a-partial-checkpoint/{'torn-newest' if torn_newest else 'after-last-checkpoint'}",
        checkpoints_on_disk=[2, 4, 6],
        newest_torn=torn_newest,
        resumed_from_step=second.resumed_from.step,
        final_global_step=second.global_step,
        max_steps=MAX_STEPS,
    )
