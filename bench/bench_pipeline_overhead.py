"""1. Pipeline overhead: one config end to end through the coordinator vs one plain Trainer script.

System side: ``CoordinatorWorkflow`` on the local stack (workflow worker, training and eval
activity workers as separate processes, already polling and warmed by one tiny experiment):
snapshot + fine-tune + eval of all-MiniLM-L6-v2 on 1,000 SST-2 rows, 1 epoch, evaluated on the
872 validation rows. Plain side: the same model, rows, steps, batch size, checkpoint interval
and eval in this process with ``Trainer``. Wall time both ways; the difference is split using
the workflow histories (activity start/close times) and the activity results.
"""

import math
import sys
import time
from typing import Any

from bert_types.names import (
    EVALUATE_ACTIVITY,
    FINE_TUNE_ACTIVITY,
    SNAPSHOT_ACTIVITY,
)

from bench.context import BenchContext
from bench.data import data_dir
from bench.experiments import ExperimentRun, cpu_config, experiment_input, run_experiment
from bench.harness import BenchResult, own_cpu_seconds, verdict
from bench.plain_hf import PlainTrainSettings, plain_fine_tune, warm_dataset_cache
from bench.spy import py_spy_record

NAME = "pipeline_overhead"
TITLE = "1 pipeline overhead (end to end)"
TARGET = 1.10


def _workload(quick: bool) -> dict[str, Any]:
    rows = 48 if quick else 1000
    batch_size = 16
    steps_per_epoch = math.ceil(rows / batch_size)
    return {
        "model": "all-MiniLM-L6-v2",
        "dataset": "SST-2 (../shared/data/sst2)",
        "max_train_samples": rows,
        "max_eval_samples": 48 if quick else None,
        "num_epochs": 1,
        "batch_size": batch_size,
        "max_seq_length": 64,
        "learning_rate": 1e-4,
        "seed": 42,
        "steps": steps_per_epoch,
        "checkpoint_steps": max(1, math.ceil(steps_per_epoch / 2)),
        "eval_batch_size": 64,
    }


def _reload_seconds(model_path: str) -> float:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    start = time.perf_counter()
    AutoTokenizer.from_pretrained(model_path)
    AutoModelForSequenceClassification.from_pretrained(model_path)
    return time.perf_counter() - start


def split_overhead(run: ExperimentRun, plain: dict[str, Any], reload_s: float) -> dict[str, Any]:
    """Where the system's extra seconds go, from histories, activity results and the plain run.

    The in-training eval (the fine-tune activity scores its snapshot's eval split before saving)
    is estimated as the eval activity's execution minus a model reload timed in this process.
    """
    result = run.results[0]
    training = result.training
    if training is None:
        raise RuntimeError(f"run {result.run_id} came back without its training result")
    spans = [span for timeline in run.timelines for span in timeline.activities]
    by_name = {span.name: span for span in spans}
    snapshot, fine_tune, evaluate = (
        by_name[SNAPSHOT_ACTIVITY],
        by_name[FINE_TUNE_ACTIVITY],
        by_name[EVALUATE_ACTIVITY],
    )
    executing = sum(span.execution_s for span in spans)
    eval_predict_s = max(evaluate.execution_s - reload_s, 0.0)
    fine_tune_other_s = fine_tune.execution_s - training.train_runtime_s - eval_predict_s
    plain_setup_s = (
        plain["model_load_s"]
        + plain["tokenize_s"]
        + plain.get("save_s", 0.0)
        + (plain["train_s"] - plain["trainer_train_runtime_s"])
    )
    parts = {
        "snapshot": snapshot.execution_s - plain["load_data_s"],
        "worker_scheduling": run.wall_s - executing,
        "model_save_load": fine_tune_other_s - plain_setup_s + reload_s,
        "eval": 2 * eval_predict_s - plain["eval_s"],
        "training_loop": training.train_runtime_s - plain["trainer_train_runtime_s"],
    }
    total_gap = run.wall_s - plain["total_s"]
    parts["unattributed"] = total_gap - sum(parts.values())
    workflow_tasks = sum(t.workflow_task_s for t in run.timelines)
    return {
        "overhead_s": {key: round(value, 3) for key, value in parts.items()},
        "overhead_total_s": round(total_gap, 3),
        "system_spans_s": {
            "snapshot_execution": round(snapshot.execution_s, 3),
            "fine_tune_execution": round(fine_tune.execution_s, 3),
            "fine_tune_train_runtime": round(training.train_runtime_s, 3),
            "fine_tune_total_runtime_reported": round(training.total_runtime_s, 3),
            "fine_tune_in_training_eval_estimate": round(eval_predict_s, 3),
            "eval_execution": round(evaluate.execution_s, 3),
            "eval_reported_duration": round(result.duration_s, 3),
            "model_reload_timed_in_bench": round(reload_s, 3),
            "activity_queue_wait": {
                span.name: round(span.schedule_to_start_s, 3) for span in spans
            },
            "workflow_tasks_total": round(workflow_tasks, 3),
            "workflow_task_count": sum(t.workflow_tasks for t in run.timelines),
            "signals": {
                name: sum(t.signals.get(name, 0) for t in run.timelines)
                for name in sorted({n for t in run.timelines for n in t.signals})
            },
        },
    }


async def run(context: BenchContext) -> BenchResult:
    """Plain Trainer script, then the same work through the coordinator; compare wall times."""
    workload = _workload(context.quick)
    stack = await context.stack()

    work = context.folder(NAME)
    warm_dataset_cache(data_dir() / "sst2")
    plain_cpu_start = own_cpu_seconds()
    plain = plain_fine_tune(
        PlainTrainSettings(
            model_dir=context.minilm(),
            data_dir=data_dir() / "sst2",
            output_dir=work / "plain-run",
            max_train_samples=workload["max_train_samples"],
            max_eval_samples=workload["max_eval_samples"],
            num_epochs=workload["num_epochs"],
            batch_size=workload["batch_size"],
            eval_batch_size=workload["eval_batch_size"],
            learning_rate=workload["learning_rate"],
            max_seq_length=workload["max_seq_length"],
            checkpoint_steps=workload["checkpoint_steps"],
            seed=workload["seed"],
        )
    )

    config = cpu_config(
        context.minilm(),
        data_dir() / "sst2",
        max_train_samples=workload["max_train_samples"],
        max_eval_samples=workload["max_eval_samples"],
        num_epochs=workload["num_epochs"],
        batch_size=workload["batch_size"],
        learning_rate=workload["learning_rate"],
        max_seq_length=workload["max_seq_length"],
        seed=workload["seed"],
    )
    plain_cpu_s = own_cpu_seconds() - plain_cpu_start
    profiles = context.profile_dir
    training_pid = next(f.pid for f in reversed(stack.fleets) if f.kind == "training")
    eval_pid = next(f.pid for f in reversed(stack.fleets) if f.kind == "eval")
    with (
        py_spy_record(training_pid, profiles / f"{NAME}_training_worker.txt" if profiles else None),
        py_spy_record(eval_pid, profiles / f"{NAME}_eval_worker.txt" if profiles else None),
    ):
        system_cpu_start = stack.cpu_seconds() + own_cpu_seconds()
        system = await run_experiment(stack, experiment_input(stack, [config], "overhead"))
        system_cpu_s = stack.cpu_seconds() + own_cpu_seconds() - system_cpu_start
    result = system.results[0]
    training = result.training
    if training is None or training.global_step != plain["global_step"]:
        raise AssertionError(
            f"the two sides did different work: system {training and training.global_step} "
            f"steps, plain {plain['global_step']} steps"
        )
    reload_s = _reload_seconds(training.model_path)
    breakdown = split_overhead(system, plain, reload_s)

    ratio = system.wall_s / plain["total_s"]
    met, gap = verdict(ratio, TARGET, at_most=True)
    parts = breakdown["overhead_s"]
    orchestration_ratio = (system.wall_s - parts["training_loop"]) / plain["total_s"]
    cpu_ratio = system_cpu_s / plain_cpu_s
    notes = [
        f"Same work on both sides: {training.global_step} steps, checkpoints at "
        f"{[c.step for c in training.checkpoints_saved]} vs {plain['checkpoints']}, validation "
        f"accuracy {result.accuracy or float('nan'):.4f} (system) vs "
        f"{plain['accuracy'] or float('nan'):.4f} (plain).",
        "Overhead split (system minus plain, seconds): "
        + ", ".join(f"{key} {value:+.2f}" for key, value in parts.items()),
        "The eval split is scored once on each side: the coordinator turns the fine-tune "
        "activity's own end-of-training evaluation off (evaluate_after_training=False) and its "
        "eval child scores the reloaded model.",
        f"First experiment on fresh workers (tiny model): {context.warm_up_s or 0:.1f}s; left "
        "out of the comparison.",
    ]
    notes.append(
        f"CPU seconds (all processes of each side; steadier than wall time when the machine is "
        f"shared): system {system_cpu_s:.1f}s (server, three workers, client) vs plain "
        f"{plain_cpu_s:.1f}s, ratio {cpu_ratio:.3f}."
    )
    notes.append(
        f"Without the training-loop difference ({parts['training_loop']:+.2f}s: the same "
        "Trainer loop on both sides, so run-to-run noise unless a profile says otherwise) the "
        f"ratio is {orchestration_ratio:.3f}."
    )
    if not met:
        largest = max(parts, key=lambda key: parts[key])
        notes.append(f"Largest part of the gap: {largest} ({parts[largest]:+.2f}s).")
    return BenchResult(
        name=NAME,
        title=TITLE,
        plain=f"{plain['total_s']:.1f}s",
        system=f"{system.wall_s:.1f}s",
        ratio=round(ratio, 3),
        ratio_label="system/plain",
        target=f"<= {TARGET:.2f}",
        target_met=met,
        gap=gap,
        figures={
            "plain": plain,
            "system_wall_s": round(system.wall_s, 3),
            "ratio_without_training_loop_difference": round(orchestration_ratio, 3),
            "plain_cpu_s": round(plain_cpu_s, 3),
            "system_cpu_s": round(system_cpu_s, 3),
            "cpu_ratio": round(cpu_ratio, 3),
            "system_accuracy": result.accuracy,
            "system_global_step": training.global_step,
            "system_checkpoints": [c.step for c in training.checkpoints_saved],
            "warm_up_experiment_s": context.warm_up_s,
            **breakdown,
        },
        workload=workload,
        notes=notes,
    )


if __name__ == "__main__":
    from bench.runner import main

    sys.exit(main(only=NAME))
