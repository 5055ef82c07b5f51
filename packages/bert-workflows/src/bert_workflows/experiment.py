"""One experiment config, start to end: a training child, then an eval child, then one result.

Shared by ``CoordinatorWorkflow`` and any workflow that runs many configs (a sweep): run ids are
normalised once, child workflow ids are deterministic (``<parent id>/train/<run_id>`` and
``<parent id>/eval/<run_id>``), and a failed config becomes a failed ``BertEvalResult`` instead
of failing its siblings. Only a cancellation of the parent workflow itself propagates.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from temporalio import workflow
from temporalio.exceptions import ApplicationError, FailureError, is_cancelled_exception
from temporalio.workflow import ChildWorkflowCancellationType, ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from bert_types.checkpoint import TrainingPhase, TrainingProgress
    from bert_types.coordinator import CoordinatorWorkflowConfig
    from bert_types.errors import DUPLICATE_RUN_ID
    from bert_types.evaluation import BertEvalRequest, BertEvalResult, RunStatus
    from bert_types.execution import ExecutionPolicy
    from bert_types.fine_tune import BertFineTuneResult
    from bert_types.names import EVAL_WORKFLOW, TRAINING_WORKFLOW
    from bert_types.run_id import derive_run_id

from bert_workflows.failures import error_message, error_type
from bert_workflows.run_paths import join_path


@dataclass(frozen=True)
class ConfigOverrides:
    """Experiment-wide settings that replace each config's own."""

    artifact_root: str | None = None
    snapshot_root: str | None = None
    execution: ExecutionPolicy | None = None


@dataclass(frozen=True)
class ChildQueues:
    """Task queues of the training and eval children."""

    training: str
    eval: str


def training_workflow_id(parent_workflow_id: str, run_id: str) -> str:
    """Deterministic id of a config's training child."""
    return f"{parent_workflow_id}/train/{run_id}"


def eval_workflow_id(parent_workflow_id: str, run_id: str) -> str:
    """Deterministic id of a config's eval child."""
    return f"{parent_workflow_id}/eval/{run_id}"


def normalise_config(
    config: CoordinatorWorkflowConfig,
    index: int,
    parent_workflow_id: str,
    overrides: ConfigOverrides,
) -> CoordinatorWorkflowConfig:
    """Set the canonical run id everywhere, apply overrides, default the eval request.

    The run id is the config's, else the fine-tune config's, else the eval request's, else
    ``<parent id>-<index>``. The eval request's ``model_path`` defaults to
    ``<artifact_root>/<run_id>``. Training skips its own end-of-training evaluation: the eval
    child scores the run, so the same rows are not scored twice.
    """
    run_id = (
        config.run_id
        or config.fine_tune.run_id
        or (config.eval.run_id if config.eval is not None else None)
        or derive_run_id(parent_workflow_id, str(index))
    )
    fine_tune_update: dict[str, object] = {"run_id": run_id, "evaluate_after_training": False}
    if overrides.artifact_root is not None:
        fine_tune_update["artifact_root"] = overrides.artifact_root
    if overrides.snapshot_root is not None:
        fine_tune_update["snapshot_root"] = overrides.snapshot_root
    if overrides.execution is not None:
        fine_tune_update["execution"] = overrides.execution
    fine_tune = config.fine_tune.model_copy(update=fine_tune_update)

    eval_request = config.eval or BertEvalRequest(run_id=run_id)
    eval_update: dict[str, object] = {
        "run_id": run_id,
        "artifact_root": fine_tune.artifact_root,
        "model_path": eval_request.model_path or join_path(fine_tune.artifact_root, run_id),
    }
    if overrides.execution is not None or config.eval is None:
        eval_update["execution"] = fine_tune.execution
    return CoordinatorWorkflowConfig(
        run_id=run_id, fine_tune=fine_tune, eval=eval_request.model_copy(update=eval_update)
    )


def normalise_configs(
    configs: Sequence[CoordinatorWorkflowConfig],
    parent_workflow_id: str,
    overrides: ConfigOverrides,
) -> list[CoordinatorWorkflowConfig]:
    """Normalise every config; raise a non-retryable ``DuplicateRunIdError`` on a repeated id."""
    normalised = [
        normalise_config(config, index, parent_workflow_id, overrides)
        for index, config in enumerate(configs)
    ]
    first_index: dict[str, int] = {}
    for index, config in enumerate(normalised):
        run_id = config.run_id or ""
        if run_id in first_index:
            raise ApplicationError(
                f"configs[{index}] and configs[{first_index[run_id]}] both have run_id "
                f"{run_id!r} (explicit or derived); give each config a unique run_id",
                type=DUPLICATE_RUN_ID,
                non_retryable=True,
            )
        first_index[run_id] = index
    return normalised


def eval_request_after_training(
    request: BertEvalRequest, training: BertFineTuneResult, snapshot_root: str
) -> BertEvalRequest:
    """Point an eval request without a dataset at the eval split of the run's own snapshot."""
    if request.dataset_name is not None or request.snapshot_path is not None:
        return request
    snapshot_path = training.snapshot_path or join_path(snapshot_root, training.snapshot_id)
    return request.model_copy(update={"snapshot_path": snapshot_path})


def failed_result(
    run_id: str,
    error: BaseException,
    training: BertFineTuneResult | None = None,
) -> BertEvalResult:
    """A coordinator entry for a config that failed or was cancelled, saying why."""
    status = RunStatus.CANCELLED if is_cancelled_exception(error) else RunStatus.FAILED
    return BertEvalResult(
        run_id=run_id,
        status=status,
        error=error_message(error),
        error_type=error_type(error),
        model_path=training.model_path if training else None,
        model_name=training.model_name if training else None,
        training=training,
    )


def _record_training(progress: TrainingProgress, training: BertFineTuneResult) -> None:
    progress.step = training.global_step
    progress.total_steps = training.total_steps
    progress.epoch = training.epochs_completed
    progress.loss = training.train_loss
    progress.metrics = dict(training.eval_metrics)
    if training.checkpoints_saved:
        progress.last_checkpoint = max(training.checkpoints_saved, key=lambda c: c.step)


async def run_experiment_config(
    config: CoordinatorWorkflowConfig,
    *,
    parent_workflow_id: str,
    queues: ChildQueues,
    progress: TrainingProgress,
    training_slots: asyncio.Semaphore | None = None,
) -> BertEvalResult:
    """Train then evaluate one normalised config; failures come back as a failed result.

    ``progress`` is updated in place (phase, final step and metrics). ``training_slots`` bounds
    how many training children run at once. A cancellation of the calling workflow propagates.
    """
    run_id = config.run_id or ""
    training: BertFineTuneResult | None = None
    try:
        if training_slots is not None:
            async with training_slots:
                training = await _train(config, parent_workflow_id, queues, progress)
        else:
            training = await _train(config, parent_workflow_id, queues, progress)
        _record_training(progress, training)
        progress.phase = TrainingPhase.EVALUATING
        eval_request = eval_request_after_training(
            config.eval or BertEvalRequest(run_id=run_id),
            training,
            config.fine_tune.snapshot_root,
        )
        result: BertEvalResult = await workflow.execute_child_workflow(
            EVAL_WORKFLOW,
            eval_request,
            id=eval_workflow_id(parent_workflow_id, run_id),
            task_queue=queues.eval,
            result_type=BertEvalResult,
            parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
        )
    except FailureError as error:
        if is_cancelled_exception(error) and workflow.cancellation_reason() is not None:
            progress.phase = TrainingPhase.CANCELLED
            raise
        entry = failed_result(run_id, error, training)
        progress.phase = (
            TrainingPhase.CANCELLED if entry.status == RunStatus.CANCELLED else TrainingPhase.FAILED
        )
        progress.error = entry.error
        workflow.logger.warning("run %s: %s (%s)", run_id, entry.error, entry.error_type)
        return entry
    except asyncio.CancelledError:
        progress.phase = TrainingPhase.CANCELLED
        raise
    progress.phase = TrainingPhase.COMPLETED
    progress.metrics = dict(result.metrics)
    return result.model_copy(update={"run_id": run_id, "training": training})


async def _train(
    config: CoordinatorWorkflowConfig,
    parent_workflow_id: str,
    queues: ChildQueues,
    progress: TrainingProgress,
) -> BertFineTuneResult:
    run_id = config.run_id or ""
    progress.phase = TrainingPhase.TRAINING
    workflow.logger.info("run %s: starting training child on %s", run_id, queues.training)
    result: BertFineTuneResult = await workflow.execute_child_workflow(
        TRAINING_WORKFLOW,
        config.fine_tune,
        id=training_workflow_id(parent_workflow_id, run_id),
        task_queue=queues.training,
        result_type=BertFineTuneResult,
        parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
        cancellation_type=ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
    )
    return result
