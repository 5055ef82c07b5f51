"""Non-retryable ``ApplicationError``s for bad input, typed with ``bert_types.errors`` names."""

from temporalio.exceptions import ApplicationError

DATASET_UNAVAILABLE: str = "DatasetUnavailableError"
"""A dataset could not be read for a reason that may pass (network, a library race): retryable."""

WORKER_SHUTDOWN: str = "WorkerShutdownError"
"""A fine-tune attempt stopped (after saving a checkpoint) because its worker is shutting down.

Retryable: the next attempt resumes from that checkpoint on another worker.
"""


def bad_input(error_type: str, message: str) -> ApplicationError:
    """An ``ApplicationError`` that Temporal never retries: the input must be fixed first."""
    return ApplicationError(message, type=error_type, non_retryable=True)


def transient(error_type: str, message: str) -> ApplicationError:
    """An ``ApplicationError`` that Temporal retries: the same input may work next time."""
    return ApplicationError(message, type=error_type, non_retryable=False)
