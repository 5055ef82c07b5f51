"""Invalid input fails loudly, naming the field and saying what is allowed."""

from typing import Any

import pytest
from bert_types import (
    BertEvalRequest,
    BertFineTuneConfig,
    BertFineTuneRequest,
    BertInferenceRequest,
    CheckpointInfo,
    CoordinatorWorkflowInput,
    DatasetSnapshotRequest,
    ExecutionPolicy,
    TemporalConnectionSettings,
    derive_run_id,
    validate_run_id,
)
from pydantic import BaseModel, ValidationError

from tests.types.examples import checkpoint, fine_tune_config, snapshot_result

GOOD_RUN_IDS = ["a", "run-1", "RTE_tiny.v1", "x" * 128, "a.b", "-leading-dash", "_"]
BAD_RUN_IDS = ["", "..", ".", "a..b", "../etc", "a/b", "has space", "x" * 129, "é", "a\n", "a\\b"]


def _errors(model: type[BaseModel], data: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [dict(error) for error in caught.value.errors()]


def _fails_on(model: type[BaseModel], data: dict[str, Any], field: str) -> str:
    """Validate ``data``; assert the one error is located at ``field``; return its message."""
    errors = _errors(model, data)
    locations = [".".join(str(part) for part in error["loc"]) for error in errors]
    assert locations == [field], errors
    message: str = errors[0]["msg"]
    return message


@pytest.mark.parametrize("run_id", GOOD_RUN_IDS)
def test_good_run_ids_pass(run_id: str) -> None:
    assert validate_run_id(run_id) == run_id
    assert BertFineTuneConfig(dataset_name="d", run_id=run_id).run_id == run_id


@pytest.mark.parametrize("run_id", BAD_RUN_IDS)
def test_bad_run_ids_name_the_field(run_id: str) -> None:
    message = _fails_on(BertFineTuneConfig, {"dataset_name": "d", "run_id": run_id}, "run_id")
    assert "run_id" in message
    assert repr(run_id) in message


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (BertFineTuneRequest, {"run_id": "../x"}, "run_id"),
        (BertEvalRequest, {"run_id": "a b"}, "run_id"),
        (BertInferenceRequest, {"run_id": "..", "texts": ["t"]}, "run_id"),
        (
            CoordinatorWorkflowInput,
            {"configs": [{"run_id": "a/b", "fine_tune": {"dataset_name": "d"}}]},
            "configs.0.run_id",
        ),
        (
            CoordinatorWorkflowInput,
            {"configs": [{"fine_tune": {"dataset_name": "d", "run_id": "x" * 129}}]},
            "configs.0.fine_tune.run_id",
        ),
    ],
)
def test_run_id_is_checked_wherever_it_is_an_input(
    model: type[BaseModel], data: dict[str, Any], field: str
) -> None:
    errors = _errors(model, data)
    locations = [".".join(str(part) for part in error["loc"]) for error in errors]
    assert field in locations, errors


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (BertFineTuneConfig, {"dataset_name": "d", "learning_rat": 1e-5}, "learning_rat"),
        (DatasetSnapshotRequest, {"dataset_name": "d", "max_rows": 3}, "max_rows"),
        (BertEvalRequest, {"run_id": "r", "splt": "test"}, "splt"),
        (BertInferenceRequest, {"run_id": "r", "texts": ["t"], "text": "t"}, "text"),
        (ExecutionPolicy, {"heartbeat_timeout": 5}, "heartbeat_timeout"),
        (TemporalConnectionSettings, {"adress": "x:7233"}, "adress"),
        (CoordinatorWorkflowInput, {"configs": [], "config": []}, "config"),
        (
            CoordinatorWorkflowInput,
            {"configs": [{"fine_tune": {"dataset_name": "d", "epochs": 3}}]},
            "configs.0.fine_tune.epochs",
        ),
        (
            CoordinatorWorkflowInput,
            {"configs": [{"fine_tune": {"dataset_name": "d"}, "evaluate": {}}]},
            "configs.0.evaluate",
        ),
    ],
)
def test_unknown_fields_are_rejected_by_name(
    model: type[BaseModel], data: dict[str, Any], field: str
) -> None:
    errors = _errors(model, data)
    extra = [error for error in errors if error["type"] == "extra_forbidden"]
    assert [".".join(str(part) for part in error["loc"]) for error in extra] == [field], errors


def test_fine_tune_request_rejects_unknown_fields_too() -> None:
    data = {
        "run_id": "r",
        "config": fine_tune_config().model_dump(),
        "snapshot": snapshot_result().model_dump(),
        "output_dir": "/tmp/r",
        "resume_from": checkpoint().model_dump(),
    }
    assert "Extra inputs" in _fails_on(BertFineTuneRequest, data, "resume_from")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("num_epochs", 0, "greater than 0"),
        ("num_epochs", 1001, "less than or equal to 1000"),
        ("batch_size", 0, "greater than or equal to 1"),
        ("learning_rate", 0.0, "greater than 0"),
        ("learning_rate", 2.0, "less than or equal to 1"),
        ("max_seq_length", 4, "greater than or equal to 8"),
        ("max_steps", 0, "greater than or equal to 1"),
        ("holdout_fraction", 1.0, "less than 1"),
        ("warmup_ratio", -0.1, "greater than or equal to 0"),
        ("weight_decay", 1.5, "less than or equal to 1"),
        ("seed", -1, "greater than or equal to 0"),
        ("seed", 2**32, "less than or equal to"),
        ("checkpoint_steps", 0, "greater than or equal to 1"),
        ("save_total_limit", 0, "greater than or equal to 1"),
        ("gradient_accumulation_steps", 0, "greater than or equal to 1"),
        ("max_train_samples", 0, "greater than or equal to 1"),
        ("dataset_name", "", "at least 1 character"),
        ("text_field", "", "at least 1 character"),
        ("eval_split", "", "at least 1 character"),
        ("task_type", "ranking", "'auto', 'classification' or 'regression'"),
        ("mixed_precision", "fp8", "'auto', 'no', 'fp16' or 'bf16'"),
    ],
)
def test_fine_tune_config_ranges_name_the_field(field: str, value: object, words: str) -> None:
    data: dict[str, Any] = {"dataset_name": "d", field: value}
    assert words in _fails_on(BertFineTuneConfig, data, field)


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (ExecutionPolicy, {"heartbeat_timeout_s": 0.5}, "heartbeat_timeout_s"),
        (ExecutionPolicy, {"fine_tune_max_attempts": 0}, "fine_tune_max_attempts"),
        (ExecutionPolicy, {"fine_tune_timeout_s": 0}, "fine_tune_timeout_s"),
        (DatasetSnapshotRequest, {"dataset_name": "d", "holdout_fraction": 0}, "holdout_fraction"),
        (DatasetSnapshotRequest, {"dataset_name": "d", "train_split": ""}, "train_split"),
        (BertEvalRequest, {"run_id": "r", "batch_size": 0}, "batch_size"),
        (BertEvalRequest, {"run_id": "r", "max_eval_samples": 0}, "max_eval_samples"),
        (BertInferenceRequest, {"run_id": "r", "texts": ["t"], "batch_size": 9000}, "batch_size"),
        (CheckpointInfo, {"run_id": "r", "step": -1, "path": "p"}, "step"),
        (
            CoordinatorWorkflowInput,
            {"configs": [{"fine_tune": {"dataset_name": "d"}}], "max_concurrent_trainings": 0},
            "max_concurrent_trainings",
        ),
        (
            CoordinatorWorkflowInput,
            {"configs": [{"fine_tune": {"dataset_name": "d", "batch_size": -4}}]},
            "configs.0.fine_tune.batch_size",
        ),
    ],
)
def test_out_of_range_numbers_name_the_field(
    model: type[BaseModel], data: dict[str, Any], field: str
) -> None:
    _fails_on(model, data, field)


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (CoordinatorWorkflowInput, {"configs": []}, "configs"),
        (BertInferenceRequest, {"run_id": "r", "texts": []}, "texts"),
    ],
)
def test_empty_lists_are_rejected(model: type[BaseModel], data: dict[str, Any], field: str) -> None:
    assert "at least 1 item" in _fails_on(model, data, field)


@pytest.mark.parametrize("field", ["dataset_name", "fine_tune"])
def test_required_fields_are_named_when_missing(field: str) -> None:
    data: dict[str, Any] = {"configs": [{"fine_tune": {"dataset_name": "d"}}]}
    if field == "fine_tune":
        del data["configs"][0]["fine_tune"]
        location = "configs.0.fine_tune"
    else:
        del data["configs"][0]["fine_tune"]["dataset_name"]
        location = "configs.0.fine_tune.dataset_name"
    assert _fails_on(CoordinatorWorkflowInput, data, location) == "Field required"


def test_duplicate_run_ids_in_an_experiment_are_rejected() -> None:
    data = {
        "configs": [
            {"fine_tune": {"dataset_name": "d", "run_id": "same"}},
            {"run_id": "same", "fine_tune": {"dataset_name": "e"}},
        ]
    }
    message = _fails_on(CoordinatorWorkflowInput, data, "")
    assert "configs[1] repeats run_id 'same' of configs[0]" in message


def test_eval_run_id_counts_when_it_is_the_only_one() -> None:
    data = {
        "configs": [
            {"fine_tune": {"dataset_name": "d"}, "eval": {"run_id": "same"}},
            {"fine_tune": {"dataset_name": "e", "run_id": "same"}},
        ]
    }
    assert "configs[1] repeats run_id 'same'" in _fails_on(CoordinatorWorkflowInput, data, "")


@pytest.mark.parametrize("nested", ["fine_tune", "eval"])
def test_conflicting_nested_run_ids_are_rejected(nested: str) -> None:
    entry: dict[str, Any] = {"run_id": "outer", "fine_tune": {"dataset_name": "d"}}
    if nested == "fine_tune":
        entry["fine_tune"]["run_id"] = "inner"
    else:
        entry["eval"] = {"run_id": "inner"}
    message = _fails_on(CoordinatorWorkflowInput, {"configs": [entry]}, "configs.0")
    assert f"{nested}.run_id is 'inner' but this config's run_id is 'outer'" in message


def test_matching_nested_run_ids_are_accepted() -> None:
    entry = {
        "run_id": "same",
        "fine_tune": {"dataset_name": "d", "run_id": "same"},
        "eval": {"run_id": "same"},
    }
    parsed = CoordinatorWorkflowInput.model_validate({"configs": [entry]})
    assert parsed.configs[0].run_id == "same"


@pytest.mark.parametrize("model", [BertEvalRequest, BertInferenceRequest])
def test_eval_and_inference_need_a_run_or_a_model(model: type[BaseModel]) -> None:
    data: dict[str, Any] = {"texts": ["t"]} if model is BertInferenceRequest else {}
    message = _fails_on(model, data, "")
    assert "run_id or model_path" in message


def test_text_pairs_must_match_texts() -> None:
    data = {"run_id": "r", "texts": ["a", "b"], "text_pairs": ["x"]}
    assert "text_pairs has 1 items but texts has 2" in _fails_on(BertInferenceRequest, data, "")


def test_text_pair_field_must_differ_from_text_field() -> None:
    data = {"dataset_name": "d", "text_field": "s", "text_pair_field": "s"}
    assert "must differ from text_field" in _fails_on(BertFineTuneConfig, data, "")


def test_inference_rejects_oversized_texts() -> None:
    data = {"run_id": "r", "texts": ["ok", "x" * 1_000_001]}
    assert "texts[1] has 1,000,001 characters" in _fails_on(BertInferenceRequest, data, "")


@pytest.mark.parametrize(
    "base",
    ["wf/id with spaces", "..", "...", "a..b", "", "/", "é" * 300, "x" * 500, "coordinator:1/0"],
)
@pytest.mark.parametrize("suffix", [None, "0", "cfg/1", ".."])
def test_derive_run_id_always_gives_a_valid_run_id(base: str, suffix: str | None) -> None:
    assert validate_run_id(derive_run_id(base, suffix))
