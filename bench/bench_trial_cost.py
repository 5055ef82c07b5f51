"""2. Per-trial orchestration cost: 32 tiny trials through one coordinator vs a plain loop.

Each trial: the suite's tiny random BERT on 64 SST-2 rows, 4 optimizer steps (checkpoints every
2 steps, as the system's default interval gives), a saved model and an eval on 32 validation rows;
trials differ in learning rate. System side: one ``CoordinatorWorkflow`` with 32 configs on the
local stack (one training worker running one activity at a time, one eval worker running two).
Plain side: the same 32 trials one after another with ``Trainer`` in this process.
"""

import sys
import time
from statistics import mean
from typing import Any

from bert_types.names import EVALUATE_ACTIVITY, FINE_TUNE_ACTIVITY, SNAPSHOT_ACTIVITY

from bench.context import BenchContext
from bench.data import data_dir
from bench.experiments import cpu_config, experiment_input, run_experiment
from bench.harness import BenchResult, own_cpu_seconds
from bench.plain_hf import PlainTrainSettings, plain_fine_tune, warm_dataset_cache

NAME = "trial_cost"
TITLE = "2 per-trial orchestration cost"
ROWS = 64
EVAL_ROWS = 32
STEPS = 4
BATCH_SIZE = 16
SEQ_LENGTH = 32
CHECKPOINT_STEPS = 2


def learning_rates(count: int) -> list[float]:
    """``count`` learning rates spread log-evenly over 1e-5 .. 1e-3."""
    if count == 1:
        return [1e-4]
    return [10 ** (-5 + 2 * index / (count - 1)) for index in range(count)]


async def run(context: BenchContext) -> BenchResult:
    """Run the trials both ways and report the added seconds per trial."""
    trials = 4 if context.quick else 32
    rates = learning_rates(trials)
    tiny = context.tiny_bert()
    stack = await context.stack()
    work = context.folder(NAME)

    warm_dataset_cache(data_dir() / "sst2")
    plain_cpu_start = own_cpu_seconds()
    plain_start = time.perf_counter()
    plain_runs = [
        plain_fine_tune(
            PlainTrainSettings(
                model_dir=tiny,
                data_dir=data_dir() / "sst2",
                output_dir=work / f"plain-{index}",
                max_train_samples=ROWS,
                max_eval_samples=EVAL_ROWS,
                max_steps=STEPS,
                batch_size=BATCH_SIZE,
                learning_rate=rate,
                max_seq_length=SEQ_LENGTH,
                checkpoint_steps=CHECKPOINT_STEPS,
            )
        )
        for index, rate in enumerate(rates)
    ]
    plain_s = time.perf_counter() - plain_start
    plain_cpu_s = own_cpu_seconds() - plain_cpu_start

    configs = [
        cpu_config(
            tiny,
            data_dir() / "sst2",
            max_train_samples=ROWS,
            max_eval_samples=EVAL_ROWS,
            max_steps=STEPS,
            batch_size=BATCH_SIZE,
            learning_rate=rate,
            max_seq_length=SEQ_LENGTH,
        )
        for rate in rates
    ]
    system_cpu_start = stack.cpu_seconds() + own_cpu_seconds()
    system = await run_experiment(stack, experiment_input(stack, configs, "trials"))
    system_cpu_s = stack.cpu_seconds() + own_cpu_seconds() - system_cpu_start
    steps = {r.training.global_step if r.training else None for r in system.results}
    checkpoints = {
        tuple(c.step for c in r.training.checkpoints_saved) if r.training else ()
        for r in system.results
    }
    if steps != {STEPS} or {run["global_step"] for run in plain_runs} != {STEPS}:
        raise AssertionError(f"trials did not all run {STEPS} steps: system {steps}")

    added_per_trial = (system.wall_s - plain_s) / trials
    spans = [span for timeline in system.timelines for span in timeline.activities]

    def per_trial(name: str, attribute: str) -> float:
        values = [getattr(span, attribute) for span in spans if span.name == name]
        return round(mean(values), 3) if values else 0.0

    figures: dict[str, Any] = {
        "trials": trials,
        "plain_total_s": round(plain_s, 3),
        "system_total_s": round(system.wall_s, 3),
        "plain_per_trial_s": round(plain_s / trials, 3),
        "system_per_trial_s": round(system.wall_s / trials, 3),
        "added_s_per_trial": round(added_per_trial, 3),
        "plain_cpu_s": round(plain_cpu_s, 3),
        "system_cpu_s": round(system_cpu_s, 3),
        "added_cpu_s_per_trial": round((system_cpu_s - plain_cpu_s) / trials, 3),
        "plain_per_trial_phases_mean_s": {
            key: round(mean(run[key] for run in plain_runs), 3)
            for key in ("load_data_s", "model_load_s", "tokenize_s", "train_s", "save_s", "eval_s")
        },
        "system_activity_execution_mean_s": {
            name: per_trial(name, "execution_s")
            for name in (SNAPSHOT_ACTIVITY, FINE_TUNE_ACTIVITY, EVALUATE_ACTIVITY)
        },
        "system_activity_queue_wait_mean_s": {
            name: per_trial(name, "schedule_to_start_s")
            for name in (SNAPSHOT_ACTIVITY, FINE_TUNE_ACTIVITY, EVALUATE_ACTIVITY)
        },
        "system_train_runtime_mean_s": round(
            mean(r.training.train_runtime_s for r in system.results if r.training), 3
        ),
        "system_checkpoint_steps": sorted(checkpoints),
        "workflow_executions": len(system.timelines),
        "workflow_task_seconds_total": round(sum(t.workflow_task_s for t in system.timelines), 3),
    }
    return BenchResult(
        name=NAME,
        title=TITLE,
        plain=f"{plain_s:.1f}s ({plain_s / trials:.2f}s/trial)",
        system=f"{system.wall_s:.1f}s ({system.wall_s / trials:.2f}s/trial)",
        ratio=round(system.wall_s / plain_s, 3),
        ratio_label="system/plain",
        target=f"report: {added_per_trial:+.2f}s/trial added",
        figures=figures,
        workload={
            "trials": trials,
            "model": "tiny random BERT (hidden 32, 2 layers; tests/tiny_bert.py)",
            "rows": ROWS,
            "eval_rows": EVAL_ROWS,
            "steps": STEPS,
            "batch_size": BATCH_SIZE,
            "max_seq_length": SEQ_LENGTH,
            "checkpoint_steps": CHECKPOINT_STEPS,
            "learning_rates": [f"{rate:.2e}" for rate in rates],
            "training_worker_concurrency": 1,
            "eval_worker_concurrency": 2,
        },
        notes=[
            f"CPU seconds, all processes of each side: system {system_cpu_s:.1f}s vs plain "
            f"{plain_cpu_s:.1f}s, {(system_cpu_s - plain_cpu_s) / trials:+.2f} CPU-s per trial. "
            "Wall time per trial can come out lower for the system because the eval worker "
            "evaluates finished trials while the training worker trains the next one.",
            "Per system trial: a snapshot activity (reused after the first, but it reloads the "
            "source and re-serialises and hashes the sampled rows to decide reuse), a fine-tune "
            "activity (reads the snapshot, tokenises, trains, saves model and marker) and an eval "
            "child workflow whose activity reloads the model and scores the eval rows.",
        ],
    )


if __name__ == "__main__":
    from bench.runner import main

    sys.exit(main(only=NAME))
