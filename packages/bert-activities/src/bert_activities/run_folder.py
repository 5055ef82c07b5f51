"""A run folder: the fine-tuned model, its schema file and the completion marker written last.

``<run_dir>/`` holds ``config.json`` (with ``id2label`` / ``label2id``), ``model.safetensors``,
tokenizer files, ``bert_run.json`` (:class:`RunInfo`), ``checkpoint-<step>/`` folders, and
``bert_run_complete.json`` (:class:`CompletionMarker`): eval and inference accept only folders
with the marker.
"""

import json
import os
import uuid
from pathlib import Path

from bert_types.errors import MODEL_NOT_FOUND, MODEL_NOT_TRAINED
from bert_types.fine_tune import BertFineTuneResult
from bert_types.fine_tune_config import TaskType
from pydantic import BaseModel, ValidationError

from bert_activities.failures import bad_input

RUN_INFO_FILE = "bert_run.json"
COMPLETION_MARKER_FILE = "bert_run_complete.json"


class RunInfo(BaseModel):
    """What a run was trained on: the inferred schema, labels and data."""

    run_id: str
    model_name: str
    task_type: TaskType
    num_labels: int
    label_names: list[str]
    string_labels: bool
    text_field: str
    text_pair_field: str | None
    label_field: str
    max_seq_length: int
    snapshot_id: str
    snapshot_path: str
    dataset_name: str
    dataset_config_name: str | None


class CompletionMarker(BaseModel):
    """Written last: the config hash the run completed for, and its result."""

    config_hash: str
    result: BertFineTuneResult


def write_json_atomically(file: Path, text: str) -> None:
    """Write ``text`` to ``file`` through a temporary file and a rename."""
    staging = file.with_name(f".{file.name}.{uuid.uuid4().hex}.tmp")
    with staging.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    staging.replace(file)


def write_run_info(run_dir: Path, info: RunInfo) -> None:
    """Save the run's schema file."""
    write_json_atomically(run_dir / RUN_INFO_FILE, info.model_dump_json(indent=2))


def write_completion(run_dir: Path, marker: CompletionMarker) -> None:
    """Mark the run complete (call after everything else is saved)."""
    write_json_atomically(run_dir / COMPLETION_MARKER_FILE, marker.model_dump_json(indent=2))


def read_completion(run_dir: Path) -> CompletionMarker | None:
    """The completion marker, or ``None`` when the run has not completed."""
    try:
        return CompletionMarker.model_validate_json((run_dir / COMPLETION_MARKER_FILE).read_bytes())
    except (OSError, ValidationError):
        return None


def clear_completion(run_dir: Path) -> None:
    """Remove the completion marker before the run's model is changed again."""
    (run_dir / COMPLETION_MARKER_FILE).unlink(missing_ok=True)


def completion_stamp(model_dir: Path) -> int:
    """The marker's modification time in ns: changes whenever the run completes again."""
    return (model_dir / COMPLETION_MARKER_FILE).stat().st_mtime_ns


def require_trained_run(model_dir: Path, field: str) -> RunInfo:
    """The run info of a completed run folder, else a non-retryable error saying what is wrong."""
    if not model_dir.is_dir():
        raise bad_input(
            MODEL_NOT_FOUND,
            f"{field} {str(model_dir)!r} does not exist; check run_id / model_path / artifact_root "
            "(and BERT_ARTIFACT_ROOT on the worker)",
        )
    if not (model_dir / COMPLETION_MARKER_FILE).is_file():
        raise bad_input(
            MODEL_NOT_TRAINED,
            f"{field} {str(model_dir)!r} has no completed fine-tuning run (no "
            f"{COMPLETION_MARKER_FILE}); train it with fine_tune_bert first or wait for it to "
            "finish",
        )
    try:
        return RunInfo.model_validate_json((model_dir / RUN_INFO_FILE).read_bytes())
    except (OSError, ValidationError, json.JSONDecodeError) as error:
        raise bad_input(
            MODEL_NOT_TRAINED,
            f"{field} {str(model_dir)!r} has a completion marker but no valid {RUN_INFO_FILE} "
            f"({error}); train the run again",
        ) from error
