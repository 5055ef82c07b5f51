"""``CoordinatorWorkflow``: train and evaluate many configs in parallel, one result per config.

Progress: the coordinator answers ``get_progress`` from its own state (phase of every config,
final step / loss / metrics once a phase ends, child workflow ids). Live step and loss during
training come from querying the training child (``ExperimentProgress.training_workflow_ids``):
children do not forward every progress report, which would grow the coordinator's history with
each report of each config.
"""

import asyncio

from pydantic import ValidationError
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from bert_types.checkpoint import TrainingProgress
    from bert_types.coordinator import CoordinatorWorkflowInput, ExperimentProgress
    from bert_types.evaluation import BertEvalResult
    from bert_types.names import COORDINATOR_WORKFLOW, GET_PROGRESS_QUERY, TRAINING_TASK_QUEUE

from bert_workflows.experiment import (
    ChildQueues,
    ConfigOverrides,
    eval_workflow_id,
    normalise_configs,
    run_experiment_config,
    training_workflow_id,
)


def overrides_of(experiment: CoordinatorWorkflowInput) -> ConfigOverrides:
    """The experiment-wide overrides of an input."""
    return ConfigOverrides(
        artifact_root=experiment.artifact_root,
        snapshot_root=experiment.snapshot_root,
        execution=experiment.execution,
    )


def child_queues_of(experiment: CoordinatorWorkflowInput) -> ChildQueues:
    """Training children default to the training queue, eval children to the caller's queue."""
    return ChildQueues(
        training=experiment.training_task_queue or TRAINING_TASK_QUEUE,
        eval=experiment.eval_task_queue or workflow.info().task_queue,
    )


@workflow.defn(name=COORDINATOR_WORKFLOW, failure_exception_types=[ValidationError])
class CoordinatorWorkflow:
    """Fan out one training child and one eval child per config; results in input order."""

    @workflow.init
    def __init__(self, experiment: CoordinatorWorkflowInput) -> None:
        self._workflow_id = workflow.info().workflow_id
        self._progress = ExperimentProgress(experiment_id=self._workflow_id, runs=[])

    @workflow.run
    async def run(self, experiment: CoordinatorWorkflowInput) -> list[BertEvalResult]:
        """Train and evaluate every config; a failed config is a failed entry, not an error."""
        configs = normalise_configs(experiment.configs, self._workflow_id, overrides_of(experiment))
        run_ids = [config.run_id or "" for config in configs]
        self._progress.runs = [TrainingProgress(run_id=run_id) for run_id in run_ids]
        self._progress.training_workflow_ids = [
            training_workflow_id(self._workflow_id, run_id) for run_id in run_ids
        ]
        self._progress.eval_workflow_ids = [
            eval_workflow_id(self._workflow_id, run_id) for run_id in run_ids
        ]
        queues = child_queues_of(experiment)
        slots = (
            asyncio.Semaphore(experiment.max_concurrent_trainings)
            if experiment.max_concurrent_trainings is not None
            else None
        )
        workflow.logger.info(
            "experiment %s: %d configs (%s), at most %s trainings at once",
            self._workflow_id,
            len(configs),
            ", ".join(run_ids),
            experiment.max_concurrent_trainings or "all",
        )
        results = await asyncio.gather(
            *(
                run_experiment_config(
                    config,
                    parent_workflow_id=self._workflow_id,
                    queues=queues,
                    progress=progress,
                    training_slots=slots,
                )
                for config, progress in zip(configs, self._progress.runs, strict=True)
            )
        )
        self._progress.results = list(results)
        return list(results)

    @workflow.query(name=GET_PROGRESS_QUERY)
    def get_progress(self) -> ExperimentProgress:
        """Phase, final figures and child workflow ids of every config, in input order."""
        return self._progress
