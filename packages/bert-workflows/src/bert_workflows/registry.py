"""Which workflows each task queue's workflow worker serves: append a workflow here to deploy it."""

from bert_workflows.coordinator import CoordinatorWorkflow
from bert_workflows.evaluation import BertEvalWorkflow
from bert_workflows.inference import BertInferenceWorkflow
from bert_workflows.sweep_workflow import SweepWorkflow
from bert_workflows.training import CheckpointedBertTrainingWorkflow

TRAINING_QUEUE_WORKFLOWS: tuple[type, ...] = (CheckpointedBertTrainingWorkflow,)
"""Workflows on the training task queue (their activities run on the GPU fleet)."""

EVAL_QUEUE_WORKFLOWS: tuple[type, ...] = (
    CoordinatorWorkflow,
    BertEvalWorkflow,
    BertInferenceWorkflow,
    SweepWorkflow,
)
"""Workflows on the eval task queue: the coordinator (and sweeps), eval and inference."""

ALL_WORKFLOWS: tuple[type, ...] = TRAINING_QUEUE_WORKFLOWS + EVAL_QUEUE_WORKFLOWS
"""Every workflow, for replay tests and single-queue test workers."""
