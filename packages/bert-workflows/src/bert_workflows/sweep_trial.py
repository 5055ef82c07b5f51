"""One trial at one rung: a training child, then an eval child; failures become a failed rung.

Runs inside the sweep workflow. Children are started by name, so this module needs neither the
training nor the eval workflow class.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from bert_types.checkpoint import CheckpointInfo
    from bert_types.errors import INVALID_CONFIG
    from bert_types.evaluation import BertEvalRequest, BertEvalResult, RunStatus
    from bert_types.fine_tune import BertFineTuneResult
    from bert_types.fine_tune_config import BertFineTuneConfig
    from bert_types.names import EVAL_WORKFLOW, TRAINING_WORKFLOW, UPDATE_CHECKPOINT_SIGNAL
    from bert_types.sweep import SweepConfig, SweepRungResult, SweepTrialStatus

    from bert_workflows.failures import error_message, error_type, is_cancellation
    from bert_workflows.sweep_leaderboard import objective_value


STOPPED = "cancelled: the sweep was stopped"
ResultT = TypeVar("ResultT")
"""Error of a trial cancelled by a stop with ``cancel_running``."""


@dataclass(frozen=True)
class TrialRungPlan:
    """What one trial-rung runs: config, budget, child ids and queues, checkpoint to resume."""

    rung: int
    budget: float
    config: BertFineTuneConfig
    training_workflow_id: str
    eval_workflow_id: str
    training_task_queue: str
    eval_task_queue: str
    resume_from: CheckpointInfo | None


def child_workflow_ids(sweep_id: str, run_id: str, rung: int) -> tuple[str, str]:
    """Workflow ids of the training and eval children of ``run_id`` at ``rung``."""
    return f"{sweep_id}/train/{run_id}/rung-{rung}", f"{sweep_id}/eval/{run_id}/rung-{rung}"


def eval_request(sweep: SweepConfig, training: BertFineTuneResult) -> BertEvalRequest:
    """The sweep's eval template for this run; by default the eval split of its own snapshot."""
    if sweep.eval is None:
        return BertEvalRequest(
            run_id=training.run_id,
            model_path=training.model_path,
            artifact_root=sweep.base_config.artifact_root,
            snapshot_path=training.snapshot_path,
            execution=sweep.base_config.execution,
        )
    values = sweep.eval.model_dump()
    values.update(run_id=training.run_id, model_path=training.model_path)
    if values.get("dataset_name") is None and values.get("snapshot_path") is None:
        values["snapshot_path"] = training.snapshot_path
    return BertEvalRequest.model_validate(values)


@dataclass(frozen=True)
class TrialRungOutcome:
    """How a trial-rung ended, plus what the trial keeps of it: eval metrics, model, checkpoint."""

    result: SweepRungResult
    metrics: dict[str, float] = field(default_factory=dict)
    model_path: str | None = None
    last_checkpoint: CheckpointInfo | None = None


async def run_trial_rung(
    sweep: SweepConfig, plan: TrialRungPlan, cancel_requested: Callable[[], bool]
) -> TrialRungOutcome:
    """Train (resuming ``plan.resume_from``) and evaluate; never raises.

    Once ``cancel_requested()`` turns true, no child is started and a running child is
    cancelled (and awaited). The children are cancelled through their handles rather than by
    cancelling this coroutine's task: a task cancelled while its child is still starting loses
    the request (the SDK sends it before the child exists), and the child would run on.
    """
    result = SweepRungResult(
        rung=plan.rung,
        budget=plan.budget,
        status=SweepTrialStatus.RUNNING,
        started_at=workflow.now(),
    )
    training: BertFineTuneResult | None = None
    try:
        if cancel_requested():
            raise asyncio.CancelledError(STOPPED)
        training_handle = await workflow.start_child_workflow(
            TRAINING_WORKFLOW,
            plan.config,
            id=plan.training_workflow_id,
            task_queue=plan.training_task_queue,
            result_type=BertFineTuneResult,
        )
        if plan.resume_from is not None:
            await training_handle.signal(UPDATE_CHECKPOINT_SIGNAL, plan.resume_from)
        trained: BertFineTuneResult = await child_result(training_handle, cancel_requested)
        training = trained
        result = result.model_copy(
            update={
                "global_step": trained.global_step,
                "total_steps": trained.total_steps,
                "resumed_from_step": trained.resumed_from.step if trained.resumed_from else None,
            }
        )
        if cancel_requested():
            raise asyncio.CancelledError(STOPPED)
        eval_handle = await workflow.start_child_workflow(
            EVAL_WORKFLOW,
            eval_request(sweep, trained),
            id=plan.eval_workflow_id,
            task_queue=plan.eval_task_queue,
            result_type=BertEvalResult,
        )
        evaluation: BertEvalResult = await child_result(eval_handle, cancel_requested)
    except asyncio.CancelledError:
        return _outcome(result, SweepTrialStatus.CANCELLED, training, error=STOPPED)
    except FailureError as error:
        if is_cancellation(error):
            return _outcome(result, SweepTrialStatus.CANCELLED, training, error=STOPPED)
        return _outcome(
            result,
            SweepTrialStatus.FAILED,
            training,
            error=error_message(error),
            error_type=error_type(error),
        )
    return _evaluated(result, trained, evaluation, sweep.objective.metric)


async def child_result(
    handle: workflow.ChildWorkflowHandle[Any, ResultT], cancel_requested: Callable[[], bool]
) -> ResultT:
    """The child's result; cancels the child (and waits for it to end) once cancel is requested."""
    await workflow.wait_condition(lambda: handle.done() or cancel_requested())
    if not handle.done():
        handle.cancel()
    return await handle


def last_checkpoint(training: BertFineTuneResult) -> CheckpointInfo | None:
    """The newest checkpoint a training run saved (or resumed from, when it saved none)."""
    checkpoints = sorted(training.checkpoints_saved, key=lambda c: c.step)
    return checkpoints[-1] if checkpoints else training.resumed_from


def _evaluated(
    result: SweepRungResult,
    training: BertFineTuneResult,
    evaluation: BertEvalResult,
    metric: str,
) -> TrialRungOutcome:
    if evaluation.status is not RunStatus.SUCCEEDED:
        return _outcome(
            result,
            SweepTrialStatus.FAILED,
            training,
            error=evaluation.error or f"evaluation ended {evaluation.status.value}",
            error_type=evaluation.error_type,
        )
    value = objective_value(evaluation, metric)
    if value is None:
        return _outcome(
            result,
            SweepTrialStatus.FAILED,
            training,
            error=f"objective metric {metric!r} is not among the eval metrics "
            f"{sorted(evaluation.metrics)}; set objective.metric to one of them",
            error_type=INVALID_CONFIG,
        )
    done = result.model_copy(update={"metric": value})
    return _outcome(done, SweepTrialStatus.SUCCEEDED, training, metrics=evaluation.metrics)


def _outcome(
    result: SweepRungResult,
    status: SweepTrialStatus,
    training: BertFineTuneResult | None,
    *,
    error: str | None = None,
    error_type: str | None = None,
    metrics: dict[str, float] | None = None,
) -> TrialRungOutcome:
    ended = result.model_copy(
        update={
            "status": status,
            "error": error,
            "error_type": error_type,
            "finished_at": workflow.now(),
        }
    )
    if training is None:
        return TrialRungOutcome(ended)
    return TrialRungOutcome(
        ended,
        metrics=dict(metrics or {}),
        model_path=training.model_path,
        last_checkpoint=last_checkpoint(training),
    )
