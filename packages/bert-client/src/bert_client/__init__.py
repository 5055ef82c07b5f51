"""bert-client: the SDK and ``bert`` command line of bert-parallel.

Start experiments, follow their progress, fetch results, run inference and evaluations on trained
runs, and cancel work, on any Temporal server that runs the bert-parallel fleets. Depends only on
bert-types and temporalio: no torch, no workflows, no activities.
"""

from bert_client.client import BertClient, ExperimentHandle, WorkflowSummary, new_experiment_id
from bert_client.errors import (
    BertClientError,
    QueryFailedError,
    RemoteWorkflowError,
    ServerUnavailableError,
    WorkflowAlreadyExistsError,
    WorkflowNotFoundError,
)
from bert_client.experiment_file import ExperimentFileError, FieldIssue, load_experiment
from bert_client.sync_client import SyncBertClient

__version__ = "0.1.0"

__all__ = [
    "BertClient",
    "BertClientError",
    "ExperimentFileError",
    "ExperimentHandle",
    "FieldIssue",
    "QueryFailedError",
    "RemoteWorkflowError",
    "ServerUnavailableError",
    "SyncBertClient",
    "WorkflowAlreadyExistsError",
    "WorkflowNotFoundError",
    "WorkflowSummary",
    "load_experiment",
    "new_experiment_id",
]
