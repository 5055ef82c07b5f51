"""``BertInferenceWorkflow``: batched predictions with a fine-tuned run."""

from pydantic import ValidationError
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from bert_types.inference import BertInferenceRequest, BertInferenceResult
    from bert_types.names import INFERENCE_ACTIVITY, INFERENCE_WORKFLOW

from bert_workflows.activity_options import eval_options, execute_activity_by_name
from bert_workflows.run_paths import join_path


def normalise_inference_request(request: BertInferenceRequest) -> BertInferenceRequest:
    """Fill ``model_path`` from ``<artifact_root>/<run_id>`` when only the run id is given."""
    if request.model_path is not None or request.run_id is None:
        return request
    return request.model_copy(
        update={"model_path": join_path(request.artifact_root, request.run_id)}
    )


@workflow.defn(name=INFERENCE_WORKFLOW, failure_exception_types=[ValidationError])
class BertInferenceWorkflow:
    """Run ``run_bert_inference`` with eval timeouts and retries."""

    @workflow.run
    async def run(self, request: BertInferenceRequest) -> BertInferenceResult:
        """Predict labels (or values) for the request's texts, in input order."""
        request = normalise_inference_request(request)
        workflow.logger.info(
            "run %s: inference on %d texts with %s",
            request.run_id,
            len(request.texts),
            request.model_path,
        )
        return await execute_activity_by_name(
            INFERENCE_ACTIVITY, request, BertInferenceResult, eval_options(request.execution)
        )
