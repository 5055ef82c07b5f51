"""``BertEvalWorkflow``: evaluate a fine-tuned run on a dataset split."""

from pydantic import ValidationError
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from bert_types.evaluation import BertEvalRequest, BertEvalResult
    from bert_types.names import EVAL_WORKFLOW, EVALUATE_ACTIVITY

from bert_workflows.activity_options import eval_options, execute_activity_by_name
from bert_workflows.run_paths import canonical_run_id, join_path


def normalise_eval_request(request: BertEvalRequest, workflow_id: str) -> BertEvalRequest:
    """Fill ``run_id`` (else derived from the workflow id) and ``model_path`` (root/run_id)."""
    run_id = canonical_run_id(request.run_id, workflow_id)
    model_path = request.model_path or join_path(request.artifact_root, run_id)
    return request.model_copy(update={"run_id": run_id, "model_path": model_path})


@workflow.defn(name=EVAL_WORKFLOW, failure_exception_types=[ValidationError])
class BertEvalWorkflow:
    """Run ``evaluate_bert_model`` with eval timeouts and retries."""

    @workflow.run
    async def run(self, request: BertEvalRequest) -> BertEvalResult:
        """Evaluate the run and return its metrics."""
        request = normalise_eval_request(request, workflow.info().workflow_id)
        workflow.logger.info("run %s: evaluating %s", request.run_id, request.model_path)
        return await execute_activity_by_name(
            EVALUATE_ACTIVITY, request, BertEvalResult, eval_options(request.execution)
        )
