"""One trial at one rung: a training child, then an eval child; failures become a failed rung.

Runs inside the sweep workflow. Children are started by name, so this module needs neither the
training nor the eval workflow class.
"""

import asyncio
from dataclasses import dataclass
from datetime import datetime

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


async def run_trial_rung(sweep: SweepConfig, plan: TrialRungPlan) -> SweepRungResult:
    """Train (resuming ``plan.resume_from``) and evaluate; never raises but for cancellation."""
    started_at = workflow.now()
    result = SweepRungResult(
        rung=plan.rung,
        budget=plan.budget,
        status=SweepTrialStatus.RUNNING,
        training_workflow_id=plan.training_workflow_id,
        eval_workflow_id=plan.eval_workflow_id,
        started_at=started_at,
    )
    try:
        handle = await workflow.start_child_workflow(
            TRAINING_WORKFLOW,
            plan.config,
            id=plan.training_workflow_id,
            task_queue=plan.training_task_queue,
            result_type=BertFineTuneResult,
        )
        if plan.resume_from is not None:
            await handle.signal(UPDATE_CHECKPOINT_SIGNAL, plan.resume_from)
        training = await handle
        result = _with_training(result, training)
        evaluation = await workflow.execute_child_workflow(
            EVAL_WORKFLOW,
            eval_request(sweep, training),
            id=plan.eval_workflow_id,
            task_queue=plan.eval_task_queue,
            result_type=BertEvalResult,
        )
        return _with_evaluation(result, evaluation, sweep.objective.metric)
    except asyncio.CancelledError:
        return _ended(result, SweepTrialStatus.CANCELLED, "cancelled: the sweep was stopped", None)
    except FailureError as error:
        if is_cancellation(error):
            return _ended(
                result, SweepTrialStatus.CANCELLED, "cancelled: the sweep was stopped", None
            )
        return _ended(result, SweepTrialStatus.FAILED, error_message(error), error_type(error))


def _with_training(result: SweepRungResult, training: BertFineTuneResult) -> SweepRungResult:
    checkpoints = sorted(training.checkpoints_saved, key=lambda c: c.step)
    return result.model_copy(
        update={
            "model_path": training.model_path,
            "global_step": training.global_step,
            "total_steps": training.total_steps,
            "resumed_from_step": training.resumed_from.step if training.resumed_from else None,
            "last_checkpoint": checkpoints[-1] if checkpoints else training.resumed_from,
        }
    )


def _with_evaluation(
    result: SweepRungResult, evaluation: BertEvalResult, metric: str
) -> SweepRungResult:
    if evaluation.status is not RunStatus.SUCCEEDED:
        return _ended(
            result,
            SweepTrialStatus.FAILED,
            evaluation.error or f"evaluation ended {evaluation.status.value}",
            evaluation.error_type,
        )
    value = objective_value(evaluation, metric)
    done = result.model_copy(update={"metrics": dict(evaluation.metrics), "metric": value})
    if value is None:
        return _ended(
            done,
            SweepTrialStatus.FAILED,
            f"objective metric {metric!r} is not among the eval metrics "
            f"{sorted(evaluation.metrics)}; set objective.metric to one of them",
            INVALID_CONFIG,
        )
    return _ended(done, SweepTrialStatus.SUCCEEDED, None, None)


def _ended(
    result: SweepRungResult, status: SweepTrialStatus, error: str | None, error_type: str | None
) -> SweepRungResult:
    finished_at: datetime = workflow.now()
    return result.model_copy(
        update={
            "status": status,
            "error": error,
            "error_type": error_type,
            "finished_at": finished_at,
        }
    )
