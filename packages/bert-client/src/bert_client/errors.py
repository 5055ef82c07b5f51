"""Typed exceptions of the SDK: each carries the remote message and, where known, its error type.

Server and workflow failures arrive as ``temporalio`` exceptions; :func:`translate_temporal_error`
maps them onto this small hierarchy so callers need not know Temporal's exception classes.
"""

from temporalio.client import (
    RPCError,
    WorkflowFailureError,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
)
from temporalio.exceptions import (
    ApplicationError,
    CancelledError,
    FailureError,
    TerminatedError,
    TimeoutError,
    WorkflowAlreadyStartedError,
)
from temporalio.service import RPCStatusCode


class BertClientError(Exception):
    """Base of every error raised by bert_client."""


class ServerUnavailableError(BertClientError):
    """The Temporal server could not be reached at the given address."""


class WorkflowNotFoundError(BertClientError):
    """No workflow (experiment, run, eval or inference) has the given id."""


class WorkflowAlreadyExistsError(BertClientError):
    """A workflow with the requested id already runs (for example a repeated experiment_id)."""


class QueryFailedError(BertClientError):
    """A progress or checkpoint query was rejected or failed inside the workflow."""


class RemoteWorkflowError(BertClientError):
    """A workflow ended without a result; ``error_type`` names the root cause when it is known.

    ``error_type`` is a name from ``bert_types.errors`` (e.g. ``InvalidConfigError``) for bad input,
    ``"Cancelled"``, ``"Terminated"`` or ``"Timeout"``, or the remote exception's type name.
    """

    def __init__(self, workflow_id: str, message: str, error_type: str | None) -> None:
        super().__init__(f"workflow {workflow_id} failed: {message}")
        self.workflow_id = workflow_id
        self.message = message
        self.error_type = error_type


def root_cause(error: BaseException) -> BaseException:
    """Follow ``__cause__`` to the innermost error (Temporal nests activity and child failures)."""
    current = error
    while current.__cause__ is not None:
        current = current.__cause__
    return current


def _error_type_of(error: BaseException) -> str | None:
    if isinstance(error, ApplicationError):
        return error.type
    if isinstance(error, CancelledError):
        return "Cancelled"
    if isinstance(error, TerminatedError):
        return "Terminated"
    if isinstance(error, TimeoutError):
        return "Timeout"
    return type(error).__name__


def translate_temporal_error(error: Exception, workflow_id: str, address: str) -> BertClientError:
    """Map a ``temporalio`` exception raised for ``workflow_id`` onto a :class:`BertClientError`."""
    if isinstance(error, BertClientError):
        return error
    if isinstance(error, WorkflowFailureError):
        cause = root_cause(error)
        message = cause.message if isinstance(cause, FailureError) else str(cause)
        return RemoteWorkflowError(workflow_id, message or str(error), _error_type_of(cause))
    if isinstance(error, WorkflowAlreadyStartedError):
        return WorkflowAlreadyExistsError(
            f"a workflow with id {workflow_id!r} is running or has completed; choose another "
            "experiment_id or leave it unset to generate one (an id is reusable only after its "
            "experiment failed or was cancelled)"
        )
    if isinstance(error, WorkflowQueryRejectedError):
        state = error.status.name.lower() if error.status is not None else "closed"
        return QueryFailedError(f"query on {workflow_id} rejected: the workflow is {state}")
    if isinstance(error, WorkflowQueryFailedError):
        return QueryFailedError(f"query on {workflow_id} failed: {error.message}")
    if isinstance(error, RPCError):
        if error.status == RPCStatusCode.NOT_FOUND:
            return WorkflowNotFoundError(f"no workflow with id {workflow_id!r}: {error.message}")
        if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return ServerUnavailableError(
                f"Temporal server at {address} did not answer: {error.message}"
            )
        return BertClientError(f"server error for {workflow_id}: {error.message}")
    return BertClientError(f"{workflow_id}: {type(error).__name__}: {error}")
