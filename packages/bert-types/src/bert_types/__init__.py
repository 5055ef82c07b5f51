"""bert-types: every contract that crosses a process boundary in bert-parallel.

Pydantic v2 models for requests, results and progress, plus the names (task queues, workflows,
activities, signals, queries, error types) that let the packages talk without importing each other.
"""

from bert_types.checkpoint import CheckpointInfo, TrainingPhase, TrainingProgress
from bert_types.connection import TemporalConnectionSettings, connect
from bert_types.coordinator import (
    CoordinatorWorkflowConfig,
    CoordinatorWorkflowInput,
    ExperimentProgress,
)
from bert_types.evaluation import BertEvalRequest, BertEvalResult, RunStatus
from bert_types.execution import ExecutionPolicy
from bert_types.fine_tune import BertFineTuneRequest, BertFineTuneResult
from bert_types.fine_tune_config import BertFineTuneConfig, MixedPrecision, TaskType
from bert_types.inference import BertInferenceRequest, BertInferenceResult
from bert_types.json_schema import experiment_json_schema
from bert_types.run_id import RunId, derive_run_id, validate_run_id
from bert_types.snapshot import DatasetSnapshotRequest, DatasetSnapshotResult
from bert_types.sweep import (
    ChoiceParameter,
    HalvingResource,
    IntParameter,
    LogUniformParameter,
    ObjectiveDirection,
    SearchParameter,
    StopSweepRequest,
    SuccessiveHalvingSettings,
    SweepAlgorithm,
    SweepConfig,
    SweepLeaderboard,
    SweepObjective,
    SweepRungResult,
    SweepState,
    SweepStatus,
    SweepTrial,
    SweepTrialStatus,
    SweepWorkflowInput,
    UniformParameter,
)

__version__ = "0.1.0"

__all__ = [
    "BertEvalRequest",
    "BertEvalResult",
    "BertFineTuneConfig",
    "BertFineTuneRequest",
    "BertFineTuneResult",
    "BertInferenceRequest",
    "BertInferenceResult",
    "CheckpointInfo",
    "ChoiceParameter",
    "CoordinatorWorkflowConfig",
    "CoordinatorWorkflowInput",
    "DatasetSnapshotRequest",
    "DatasetSnapshotResult",
    "ExecutionPolicy",
    "ExperimentProgress",
    "HalvingResource",
    "IntParameter",
    "LogUniformParameter",
    "MixedPrecision",
    "ObjectiveDirection",
    "RunId",
    "RunStatus",
    "SearchParameter",
    "StopSweepRequest",
    "SuccessiveHalvingSettings",
    "SweepAlgorithm",
    "SweepConfig",
    "SweepLeaderboard",
    "SweepObjective",
    "SweepRungResult",
    "SweepState",
    "SweepStatus",
    "SweepTrial",
    "SweepTrialStatus",
    "SweepWorkflowInput",
    "TaskType",
    "TemporalConnectionSettings",
    "TrainingPhase",
    "TrainingProgress",
    "UniformParameter",
    "connect",
    "derive_run_id",
    "experiment_json_schema",
    "validate_run_id",
]
