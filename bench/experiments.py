"""Run a ``CoordinatorWorkflow`` experiment on the local stack and read its timelines back."""

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bert_types import (
    BertEvalResult,
    BertFineTuneConfig,
    CoordinatorWorkflowConfig,
    CoordinatorWorkflowInput,
    RunStatus,
)
from bert_types.names import COORDINATOR_WORKFLOW, EVAL_TASK_QUEUE

from bench.history import Timeline, read_tree
from bench.local_stack import LocalStack


@dataclass
class ExperimentRun:
    """Results, client-side wall clock and the histories of one coordinator run."""

    experiment_id: str
    results: list[BertEvalResult]
    submitted_at: float
    finished_at: float
    timelines: list[Timeline]

    @property
    def wall_s(self) -> float:
        """Seconds from the client's start request to the client holding the results."""
        return self.finished_at - self.submitted_at

    def timeline_of(self, workflow_type: str) -> list[Timeline]:
        """Timelines of every workflow of ``workflow_type`` in this run."""
        return [t for t in self.timelines if t.workflow_type == workflow_type]


def experiment_input(
    stack: LocalStack,
    configs: list[BertFineTuneConfig],
    prefix: str,
    **settings: Any,
) -> CoordinatorWorkflowInput:
    """One config per fine-tune config, run ids ``<prefix>-<i>``, roots of ``stack``."""
    return CoordinatorWorkflowInput(
        experiment_id=f"{prefix}-{uuid.uuid4().hex[:8]}",
        configs=[
            CoordinatorWorkflowConfig(run_id=f"{prefix}-{index}", fine_tune=config)
            for index, config in enumerate(configs)
        ],
        artifact_root=str(stack.artifact_root),
        snapshot_root=str(stack.snapshot_root),
        **settings,
    )


def cpu_config(model_dir: Path, dataset_dir: Path, **overrides: Any) -> BertFineTuneConfig:
    """A CPU fine-tune config of ``model_dir`` on ``dataset_dir``."""
    return BertFineTuneConfig(
        model_name=str(model_dir), dataset_name=str(dataset_dir), use_gpu=False, **overrides
    )


async def warm_up(stack: LocalStack, tiny_model: Path) -> float:
    """One tiny experiment so every worker has imported torch/transformers; returns its seconds."""
    from bench.data import data_dir

    config = cpu_config(
        tiny_model,
        data_dir() / "sst2",
        max_train_samples=32,
        max_eval_samples=32,
        max_steps=2,
        max_seq_length=32,
    )
    run = await run_experiment(stack, experiment_input(stack, [config], "warmup"))
    return run.wall_s


async def run_experiment(stack: LocalStack, experiment: CoordinatorWorkflowInput) -> ExperimentRun:
    """Start the coordinator on the eval queue, wait for it, fetch every history."""
    experiment_id = experiment.experiment_id or f"bench-{uuid.uuid4().hex[:8]}"
    submitted = time.time()
    handle = await stack.client.start_workflow(
        COORDINATOR_WORKFLOW,
        experiment,
        id=experiment_id,
        task_queue=EVAL_TASK_QUEUE,
        result_type=list[BertEvalResult],
    )
    results: list[BertEvalResult] = await handle.result()
    finished = time.time()
    failed = [r for r in results if r.status != RunStatus.SUCCEEDED]
    if failed:
        details = "; ".join(f"{r.run_id}: {r.error_type}: {r.error}" for r in failed[:3])
        raise RuntimeError(
            f"{len(failed)} of {len(results)} configs of {experiment_id} failed: {details}"
        )
    timelines = await read_tree(stack.client, experiment_id)
    return ExperimentRun(experiment_id, results, submitted, finished, timelines)
