"""bert_workflows: deterministic, torch-free Temporal workflows of bert-parallel.

Workflows call activities and each other by name (``bert_types.names``), never by import, so this
package installs without torch and the workflow fleet runs on plain CPU machines.
"""

from bert_workflows.coordinator import CoordinatorWorkflow
from bert_workflows.evaluation import BertEvalWorkflow
from bert_workflows.inference import BertInferenceWorkflow
from bert_workflows.training import CheckpointedBertTrainingWorkflow

__all__ = [
    "BertEvalWorkflow",
    "BertInferenceWorkflow",
    "CheckpointedBertTrainingWorkflow",
    "CoordinatorWorkflow",
]
