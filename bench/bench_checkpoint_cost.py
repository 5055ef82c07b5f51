"""4. Checkpoint cost: training with the default checkpoint interval vs no checkpoints.

System side: bert_activities' fine-tune core in this process with its default interval (about
twice per epoch, plus the checkpoint it always writes at the last step). Plain side: the same
training with ``Trainer`` and ``save_strategy="no"``. Both: all-MiniLM-L6-v2, 1,000 SST-2 rows,
1 epoch, batch 16, sequence 64. Compared: the training loop's seconds (``train_runtime``), which
include checkpoint saves; the seconds inside ``Trainer._save_checkpoint`` are also timed directly.
"""

import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.data import data_dir
from bench.harness import BenchResult, verdict
from bench.plain_hf import PlainTrainSettings, plain_fine_tune
from bench.profiling import maybe_profile
from bench.system_cores import fine_tune_config, train_in_process

NAME = "checkpoint_cost"
TITLE = "4 checkpoint cost (training)"
TARGET = 1.05
BATCH_SIZE = 16
SEQ_LENGTH = 64


@contextmanager
def timed_checkpoint_saves() -> Iterator[list[float]]:
    """Record the seconds of every ``Trainer._save_checkpoint`` call made inside the block."""
    from transformers import Trainer

    original = Trainer._save_checkpoint
    durations: list[float] = []

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            durations.append(time.perf_counter() - start)

    Trainer._save_checkpoint = timed
    try:
        yield durations
    finally:
        Trainer._save_checkpoint = original


def newest_checkpoint_files_mib(run_dir: Path) -> dict[str, float]:
    """MiB of each file of the newest ``checkpoint-N`` folder of ``run_dir``."""
    checkpoints = sorted(run_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    if not checkpoints:
        return {}
    return {
        str(f.relative_to(checkpoints[-1])): round(f.stat().st_size / 2**20, 2)
        for f in sorted(checkpoints[-1].rglob("*"))
        if f.is_file()
    }


async def run(context: BenchContext) -> BenchResult:
    """Train both ways and compare the training loops' seconds."""
    rows = 48 if context.quick else 1000
    work = context.folder(NAME)
    plain = plain_fine_tune(
        PlainTrainSettings(
            model_dir=context.minilm(),
            data_dir=data_dir() / "sst2",
            output_dir=work / "plain",
            max_train_samples=rows,
            max_eval_samples=32,
            num_epochs=1,
            batch_size=BATCH_SIZE,
            max_seq_length=SEQ_LENGTH,
            checkpoint_steps=None,
            save_model=False,
            evaluate=False,
        )
    )
    config = fine_tune_config(
        context.minilm(),
        data_dir() / "sst2",
        work,
        max_train_samples=rows,
        max_eval_samples=32,
        num_epochs=1,
        batch_size=BATCH_SIZE,
        max_seq_length=SEQ_LENGTH,
    )
    with (
        timed_checkpoint_saves() as saves,
        maybe_profile(context.profile_dir, "checkpoint_cost_system"),
    ):
        system = train_in_process(config, "checkpoint-cost")
    if system.global_step != plain["global_step"]:
        raise AssertionError(
            f"different step counts: system {system.global_step}, plain {plain['global_step']}"
        )
    checkpoint_files = newest_checkpoint_files_mib(Path(system.model_path))
    checkpoint_mib = sum(checkpoint_files.values())
    save_s = sum(saves)
    plain_s = plain["trainer_train_runtime_s"]
    without_s = system.train_runtime_s - save_s
    ratio = system.train_runtime_s / without_s
    wall_ratio = system.train_runtime_s / plain_s
    met, gap = verdict(ratio, TARGET, at_most=True)
    optimizer_mib = checkpoint_files.get("optimizer.pt", 0.0)
    notes = [
        f"Headline ratio: the system's training loop ({system.train_runtime_s:.1f}s) over the "
        f"same loop without its {len(saves)} Trainer._save_checkpoint calls ({save_s:.2f}s, "
        "timed directly; saving does not change the computation). The wall-clock ratio against "
        f"the separate plain run without checkpoints is {wall_ratio:.3f}; it also carries the "
        "run-to-run noise of two separate runs, which on a shared machine can exceed the "
        "checkpoint cost.",
        f"Each checkpoint is {checkpoint_mib:.0f} MiB, {optimizer_mib:.0f} MiB of it AdamW "
        "state (optimizer.pt, twice the weights); its cost grows with model size, not steps, "
        "so the share shrinks as epochs get longer (the default interval is two per epoch).",
        "The system writes a checkpoint at the last step too (so a crash during its final eval "
        "or save loses nothing); the plain side saves none.",
    ]
    if not met:
        notes.append(
            f"Gap to target: {ratio:.3f} vs {TARGET}; the {len(saves)} saves take "
            f"{save_s:.2f}s, {save_s / len(saves):.2f}s each."
        )
    steps_per_epoch = math.ceil(rows / BATCH_SIZE)
    return BenchResult(
        name=NAME,
        title=TITLE,
        plain=f"{plain_s:.1f}s train (no checkpoints)",
        system=f"{system.train_runtime_s:.1f}s train, {save_s:.1f}s in {len(saves)} saves",
        ratio=round(ratio, 3),
        ratio_label="with/without checkpoints",
        target=f"<= {TARGET:.2f}",
        target_met=met,
        gap=gap,
        figures={
            "wall_ratio_vs_plain_run": round(wall_ratio, 3),
            "system_train_runtime_without_saves_s": round(without_s, 3),
            "plain_train_runtime_s": plain_s,
            "system_train_runtime_s": round(system.train_runtime_s, 3),
            "checkpoint_saves": len(saves),
            "checkpoint_save_s": [round(s, 3) for s in saves],
            "checkpoint_save_total_s": round(save_s, 3),
            "checkpoint_share_of_training": round(ratio - 1, 4),
            "checkpoint_mib": round(checkpoint_mib, 1),
            "checkpoint_files_mib": checkpoint_files,
            "system_checkpoint_steps": [c.step for c in system.checkpoints_saved],
            "global_step": system.global_step,
        },
        workload={
            "model": "all-MiniLM-L6-v2",
            "rows": rows,
            "epochs": 1,
            "batch_size": BATCH_SIZE,
            "max_seq_length": SEQ_LENGTH,
            "steps": steps_per_epoch,
            "default_checkpoint_steps": max(1, math.ceil(steps_per_epoch / 2)),
            "save_total_limit": 2,
        },
        notes=notes,
    )


if __name__ == "__main__":
    from bench.runner import main

    sys.exit(main(only=NAME))
