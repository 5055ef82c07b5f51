"""Turn Temporal failure chains (child workflow → activity → application error) into a reason."""

from bert_types.errors import NON_RETRYABLE_ERROR_TYPES
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    ChildWorkflowError,
    TerminatedError,
    TimeoutError,
)


def root_cause(error: BaseException) -> BaseException:
    """The innermost cause of a failure chain (``ActivityError`` → ``ApplicationError``)."""
    while isinstance(error, ActivityError | ChildWorkflowError) and error.cause is not None:
        error = error.cause
    return error


def error_type(error: BaseException) -> str:
    """A short type name: the ``ApplicationError`` type, else the timeout kind or class name."""
    cause = root_cause(error)
    if isinstance(cause, ApplicationError) and cause.type:
        return cause.type
    if isinstance(cause, TimeoutError):
        return f"{cause.type.name.title().replace('_', '')}Timeout" if cause.type else "Timeout"
    return type(cause).__name__


def error_message(error: BaseException) -> str:
    """The root cause's message, prefixed by the kind of failure when it has no message."""
    cause = root_cause(error)
    text = cause.message if isinstance(cause, ApplicationError) else str(cause)
    return text or error_type(error)


def is_cancellation(error: BaseException) -> bool:
    """Whether the chain ends in a cancellation or termination rather than an error."""
    return isinstance(root_cause(error), CancelledError | TerminatedError)


def is_non_retryable(error: BaseException) -> bool:
    """Whether retrying cannot help: bad input, or an error its raiser marked non-retryable."""
    cause = root_cause(error)
    if isinstance(cause, ApplicationError):
        return cause.non_retryable or cause.type in NON_RETRYABLE_ERROR_TYPES
    return isinstance(cause, CancelledError | TerminatedError)
