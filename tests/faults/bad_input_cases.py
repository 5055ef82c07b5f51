"""The bad-input table: each case names an input, the error type it must end in, a message fragment.

Three kinds of case:

* ``contract``: the pydantic contract rejects the input. Client side, building the model raises a
  ``ValidationError`` naming the field; sent raw to the server (a plain dict, no model), the
  workflow fails once with a ``ValidationError`` and never schedules an activity.
* ``reaches_activity=False``: well formed, but the workflow itself refuses it before scheduling
  anything (a run id that collides only after run ids are derived).
* otherwise the input reaches a worker: exactly one activity attempt fails with a non-retryable
  ``ApplicationError`` whose type is one of ``bert_types.errors``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bert_types import errors
from bert_types.coordinator import CoordinatorWorkflowInput
from bert_types.evaluation import BertEvalRequest
from bert_types.fine_tune_config import BertFineTuneConfig
from bert_types.inference import BertInferenceRequest
from bert_types.names import (
    COORDINATOR_WORKFLOW,
    EVAL_TASK_QUEUE,
    EVAL_WORKFLOW,
    INFERENCE_WORKFLOW,
    TRAINING_TASK_QUEUE,
    TRAINING_WORKFLOW,
)
from pydantic import BaseModel

from tests.faults.bad_data import FaultData
from tests.faults.settings import FAST_POLICY, tiny_config

VALIDATION_ERROR = "ValidationError"
"""Error type of a workflow whose raw input fails the pydantic contract."""


@dataclass(frozen=True)
class CaseContext:
    """What the payload builders need: model, data, roots and a run that did train."""

    tiny_model_dir: Path
    data: FaultData
    artifact_root: Path
    snapshot_root: Path
    trained_run_id: str
    """A completed 2-label run on SST-2 (checkpoints and final model under artifact_root)."""


@dataclass(frozen=True)
class WorkflowTarget:
    """A workflow by name, its task queue and its input model."""

    name: str
    task_queue: str
    model: type[BaseModel]


TRAINING = WorkflowTarget(TRAINING_WORKFLOW, TRAINING_TASK_QUEUE, BertFineTuneConfig)
EVALUATION = WorkflowTarget(EVAL_WORKFLOW, EVAL_TASK_QUEUE, BertEvalRequest)
INFERENCE = WorkflowTarget(INFERENCE_WORKFLOW, EVAL_TASK_QUEUE, BertInferenceRequest)
COORDINATOR = WorkflowTarget(COORDINATOR_WORKFLOW, EVAL_TASK_QUEUE, CoordinatorWorkflowInput)


@dataclass(frozen=True)
class BadInput:
    """One row of the table."""

    case_id: str
    description: str
    target: WorkflowTarget
    payload: Callable[[CaseContext, str], dict[str, Any]]
    """Builds the raw JSON input from the context and a unique run id."""
    error_type: str
    fragment: str
    """Must appear (case-insensitively) in the failure's messages; ``{run_id}`` is filled in."""
    contract: bool = False
    reaches_activity: bool = True
    """Whether an activity runs (and must fail after exactly one attempt)."""
    server_refuses_raw: bool = False
    """The raw payload is above the server's 4 MiB gRPC limit: the start itself is refused."""


def _training(context: CaseContext, run: str, /, **overrides: Any) -> dict[str, Any]:
    config = tiny_config(
        run,
        model_dir=context.tiny_model_dir,
        dataset=context.data.sst2,
        artifact_root=context.artifact_root,
        snapshot_root=context.snapshot_root,
        max_steps=2,
    )
    payload = config.model_dump(mode="json", exclude_none=True)
    payload.update(overrides)
    return payload


def _evaluation(context: CaseContext, run_id: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "run_id": run_id,
        "artifact_root": str(context.artifact_root),
        "batch_size": 16,
        "execution": FAST_POLICY.model_dump(mode="json"),
    }
    payload.update(fields)
    return payload


def _inference(context: CaseContext, run_id: str, **fields: Any) -> dict[str, Any]:
    payload = _evaluation(context, run_id, texts=["a fine film", "what a mess"])
    payload.update(fields)
    return payload


def _unfinished_run(context: CaseContext, run_id: str) -> str:
    """A run folder as a training that never completed leaves it: no model, no marker."""
    (context.artifact_root / run_id).mkdir(parents=True, exist_ok=True)
    return run_id


def _coordinator(*configs: dict[str, Any]) -> dict[str, Any]:
    return {
        "configs": [{"fine_tune": config} for config in configs],
        "execution": FAST_POLICY.model_dump(mode="json"),
    }


BAD_INPUTS: tuple[BadInput, ...] = (
    # ---- the contract rejects these before anything starts ----
    BadInput(
        "learning-rate-zero",
        "learning_rate = 0",
        TRAINING,
        lambda c, r: _training(c, r, learning_rate=0),
        VALIDATION_ERROR,
        "learning_rate",
        contract=True,
    ),
    BadInput(
        "learning-rate-negative",
        "learning_rate = -1e-5",
        TRAINING,
        lambda c, r: _training(c, r, learning_rate=-1e-5),
        VALIDATION_ERROR,
        "learning_rate",
        contract=True,
    ),
    BadInput(
        "batch-size-zero",
        "batch_size = 0",
        TRAINING,
        lambda c, r: _training(c, r, batch_size=0),
        VALIDATION_ERROR,
        "batch_size",
        contract=True,
    ),
    BadInput(
        "max-train-samples-zero",
        "max_train_samples = 0",
        TRAINING,
        lambda c, r: _training(c, r, max_train_samples=0),
        VALIDATION_ERROR,
        "max_train_samples",
        contract=True,
    ),
    BadInput(
        "max-train-samples-negative",
        "max_train_samples = -5",
        TRAINING,
        lambda c, r: _training(c, r, max_train_samples=-5),
        VALIDATION_ERROR,
        "max_train_samples",
        contract=True,
    ),
    BadInput(
        "run-id-parent-dir",
        "run_id '../escape' (path traversal)",
        TRAINING,
        lambda c, r: _training(c, r, run_id="../escape"),
        VALIDATION_ERROR,
        "run_id",
        contract=True,
    ),
    BadInput(
        "run-id-slash",
        "run_id 'runs/a' (a '/')",
        TRAINING,
        lambda c, r: _training(c, r, run_id="runs/a"),
        VALIDATION_ERROR,
        "run_id",
        contract=True,
    ),
    BadInput(
        "unknown-config-field",
        "unknown field 'learning_rat' in a fine-tune config",
        TRAINING,
        lambda c, r: _training(c, r, learning_rat=0.1),
        VALIDATION_ERROR,
        "learning_rat",
        contract=True,
    ),
    BadInput(
        "duplicate-run-ids",
        "two configs with run_id 'twin' in one coordinator input",
        COORDINATOR,
        lambda c, r: _coordinator(_training(c, "twin"), _training(c, "twin", learning_rate=2e-3)),
        VALIDATION_ERROR,
        "twin",
        contract=True,
    ),
    BadInput(
        "inference-empty-texts",
        "inference with texts = []",
        INFERENCE,
        lambda c, r: _inference(c, r, texts=[]),
        VALIDATION_ERROR,
        "texts",
        contract=True,
    ),
    BadInput(
        "inference-10mb-text",
        "inference with one 10 MB text (limit 1,000,000 characters)",
        INFERENCE,
        lambda c, r: _inference(c, r, texts=["x" * 10_000_000]),
        VALIDATION_ERROR,
        "texts",
        contract=True,
        server_refuses_raw=True,
    ),
    # ---- well formed, refused by the workflow itself ----
    BadInput(
        "duplicate-derived-run-id",
        "an explicit run_id equal to the id derived for another config",
        COORDINATOR,
        lambda c, r: _coordinator(
            {k: v for k, v in _training(c, "unused").items() if k != "run_id"},
            _training(c, f"{r}-0"),
        ),
        errors.DUPLICATE_RUN_ID,
        "run_id",
        reaches_activity=False,
    ),
    # ---- reach an activity: exactly one attempt, non-retryable ----
    BadInput(
        "unknown-model-path",
        "model_name is a path that does not exist",
        TRAINING,
        lambda c, r: _training(c, r, model_name="/nonexistent/bert-model"),
        errors.MODEL_NOT_FOUND,
        "/nonexistent/bert-model",
    ),
    BadInput(
        "not-a-model-folder",
        "model_name is a folder without config.json or weights",
        TRAINING,
        lambda c, r: _training(c, r, model_name=str(c.data.not_a_model)),
        errors.MODEL_NOT_FOUND,
        "not-a-model",
    ),
    BadInput(
        "unknown-dataset-path",
        "dataset_name is a file that does not exist",
        TRAINING,
        lambda c, r: _training(c, r, dataset_name="/nonexistent/data/train.jsonl"),
        errors.DATASET_NOT_FOUND,
        "/nonexistent/data/train.jsonl",
    ),
    BadInput(
        "missing-train-split",
        "train_split names a split the dataset does not have",
        TRAINING,
        lambda c, r: _training(c, r, train_split="no_such_split"),
        errors.SPLIT_NOT_FOUND,
        "no_such_split",
    ),
    BadInput(
        "missing-eval-split",
        "eval_split names a split the dataset does not have",
        TRAINING,
        lambda c, r: _training(c, r, eval_split="no_such_eval"),
        errors.SPLIT_NOT_FOUND,
        "no_such_eval",
    ),
    BadInput(
        "no-text-column",
        "a dataset with only numeric columns",
        TRAINING,
        lambda c, r: _training(c, r, dataset_name=str(c.data.no_text_column)),
        errors.TEXT_FIELD_NOT_FOUND,
        "text",
    ),
    BadInput(
        "text-field-missing",
        "text_field names a column that does not exist",
        TRAINING,
        lambda c, r: _training(c, r, text_field="no_such_text"),
        errors.TEXT_FIELD_NOT_FOUND,
        "no_such_text",
    ),
    BadInput(
        "no-label-column",
        "a dataset with a text column and no label column",
        TRAINING,
        lambda c, r: _training(c, r, dataset_name=str(c.data.no_label_column)),
        errors.LABEL_FIELD_INVALID,
        "label",
    ),
    BadInput(
        "label-field-missing",
        "label_field names a column that does not exist",
        TRAINING,
        lambda c, r: _training(c, r, label_field="no_such_label"),
        errors.LABEL_FIELD_INVALID,
        "no_such_label",
    ),
    BadInput(
        "mixed-type-labels",
        "labels 0/1 with one 'positive' (int and string in one column)",
        TRAINING,
        lambda c, r: _training(c, r, dataset_name=str(c.data.mixed_type_labels)),
        errors.LABEL_FIELD_INVALID,
        "label",
    ),
    BadInput(
        "nan-regression-labels",
        "a regression label column with a NaN",
        TRAINING,
        lambda c, r: _training(
            c, r, dataset_name=str(c.data.nan_regression_labels), task_type="regression"
        ),
        errors.LABEL_FIELD_INVALID,
        "null",
    ),
    BadInput(
        "empty-dataset",
        "train and validation files with a header and no rows",
        TRAINING,
        lambda c, r: _training(c, r, dataset_name=str(c.data.header_only)),
        errors.EMPTY_DATASET,
        "header-only",
    ),
    BadInput(
        "empty-after-holdout",
        "one training row and no eval split: holding out an eval share leaves nothing",
        TRAINING,
        lambda c, r: _training(c, r, dataset_name=str(c.data.single_row)),
        errors.EMPTY_DATASET,
        "row",
    ),
    BadInput(
        "max-seq-length-above-model-limit",
        "max_seq_length 512 for a model with 128 positions",
        TRAINING,
        lambda c, r: _training(c, r, max_seq_length=512),
        errors.INVALID_CONFIG,
        "max_seq_length",
    ),
    BadInput(
        "non-utf8-data-file",
        "a JSONL file with Latin-1 bytes",
        TRAINING,
        lambda c, r: _training(c, r, dataset_name=str(c.data.non_utf8)),
        errors.DATASET_DECODE,
        "non-utf8",
    ),
    BadInput(
        "checkpoint-label-count-mismatch",
        "resume a 2-label run's checkpoints with a 6-label dataset (same run_id)",
        TRAINING,
        lambda c, r: _training(c, c.trained_run_id, dataset_name=str(c.data.trec)),
        errors.CHECKPOINT_MISMATCH,
        "label",
    ),
    BadInput(
        "eval-never-trained",
        "evaluate a run whose folder exists but whose training never completed",
        EVALUATION,
        lambda c, r: _evaluation(c, _unfinished_run(c, r)),
        errors.MODEL_NOT_TRAINED,
        "{run_id}",
    ),
    BadInput(
        "eval-unknown-run",
        "evaluate a run id that has no folder at all",
        EVALUATION,
        _evaluation,
        errors.MODEL_NOT_FOUND,
        "{run_id}",
    ),
    BadInput(
        "eval-missing-split",
        "evaluate a trained run on a split the dataset does not have",
        EVALUATION,
        lambda c, r: _evaluation(
            c, c.trained_run_id, dataset_name=str(c.data.sst2), split="no_such_split"
        ),
        errors.SPLIT_NOT_FOUND,
        "no_such_split",
    ),
    BadInput(
        "eval-unknown-dataset",
        "evaluate a trained run on a dataset path that does not exist",
        EVALUATION,
        lambda c, r: _evaluation(c, c.trained_run_id, dataset_name="/nonexistent/eval.jsonl"),
        errors.DATASET_NOT_FOUND,
        "/nonexistent/eval.jsonl",
    ),
    BadInput(
        "inference-never-trained",
        "inference with a run whose training never completed",
        INFERENCE,
        lambda c, r: _inference(c, _unfinished_run(c, r)),
        errors.MODEL_NOT_TRAINED,
        "{run_id}",
    ),
    BadInput(
        "inference-not-a-model",
        "inference with model_path a folder that holds no model (eval and inference accept "
        "only folders a completed run marked)",
        INFERENCE,
        lambda c, r: _inference(c, r, model_path=str(c.data.not_a_model)),
        errors.MODEL_NOT_TRAINED,
        "not-a-model",
    ),
)
"""Every bad input; ``case_id`` is the pytest id."""
