"""Names shared across processes: task queues, workflows, activities, signals, queries, updates.

Workers, workflows and the client refer to each other only through these strings, so no package
has to import another's implementation.
"""

from typing import Final

TRAINING_TASK_QUEUE: Final = "bert-training-task-queue"
"""Task queue of training workflows and of the GPU activity fleet (snapshot + fine-tune)."""
EVAL_TASK_QUEUE: Final = "bert-eval-task-queue"
"""Task queue of coordinator, eval, inference and sweep workflows and the CPU activity fleet."""

TRAINING_WORKFLOW: Final = "CheckpointedBertTrainingWorkflow"
EVAL_WORKFLOW: Final = "BertEvalWorkflow"
INFERENCE_WORKFLOW: Final = "BertInferenceWorkflow"
COORDINATOR_WORKFLOW: Final = "CoordinatorWorkflow"
SWEEP_WORKFLOW: Final = "SweepWorkflow"

SNAPSHOT_ACTIVITY: Final = "create_dataset_snapshot"
FINE_TUNE_ACTIVITY: Final = "fine_tune_bert"
EVALUATE_ACTIVITY: Final = "evaluate_bert_model"
INFERENCE_ACTIVITY: Final = "run_bert_inference"

TRAINING_ACTIVITIES: Final = (SNAPSHOT_ACTIVITY, FINE_TUNE_ACTIVITY)
"""Activities served by the training fleet."""
EVAL_ACTIVITIES: Final = (EVALUATE_ACTIVITY, INFERENCE_ACTIVITY)
"""Activities served by the eval fleet."""

UPDATE_CHECKPOINT_SIGNAL: Final = "update_checkpoint"
REPORT_PROGRESS_SIGNAL: Final = "report_progress"
GET_LATEST_CHECKPOINT_QUERY: Final = "get_latest_checkpoint"
GET_PROGRESS_QUERY: Final = "get_progress"
GET_LEADERBOARD_QUERY: Final = "get_leaderboard"
STOP_SWEEP_UPDATE: Final = "stop_sweep"

ENV_ARTIFACT_ROOT: Final = "BERT_ARTIFACT_ROOT"
"""Environment variable naming the folder where fine-tuned runs are stored."""
ENV_SNAPSHOT_ROOT: Final = "BERT_SNAPSHOT_ROOT"
"""Environment variable naming the folder where dataset snapshots are stored."""
ENV_TRAINING_TASK_QUEUE: Final = "BERT_TRAINING_TASK_QUEUE"
ENV_EVAL_TASK_QUEUE: Final = "BERT_EVAL_TASK_QUEUE"

ENV_USE_WORKER_VERSIONING: Final = "BERT_USE_WORKER_VERSIONING"
"""Set to 1 to opt the workers into Temporal worker versioning."""
ENV_LOG_LEVEL: Final = "BERT_LOG_LEVEL"
"""Logging level of the workers (default INFO)."""

DEFAULT_ARTIFACT_ROOT: Final = "bert_runs"
DEFAULT_SNAPSHOT_ROOT: Final = "data_snapshots"
