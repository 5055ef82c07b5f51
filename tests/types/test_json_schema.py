"""The experiment JSON Schema is committed, current, and agrees with the models."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from bert_types import CoordinatorWorkflowInput, experiment_json_schema, validate_run_id
from bert_types.run_id import RUN_ID_JSON_PATTERN

from tests.types.examples import coordinator_input
from tests.types.test_validation import BAD_RUN_IDS, GOOD_RUN_IDS

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "experiment.schema.json"
REGENERATE = "uv run python -m bert_types > schemas/experiment.schema.json"


def _objects(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    definitions: dict[str, dict[str, Any]] = dict(schema["$defs"])
    definitions[schema["title"]] = schema
    return definitions


def test_committed_schema_is_current() -> None:
    expected = json.dumps(experiment_json_schema(), indent=2, sort_keys=True) + "\n"
    assert SCHEMA_FILE.is_file(), f"{SCHEMA_FILE} is missing; create it with: {REGENERATE}"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == expected, (
        f"{SCHEMA_FILE} is stale (the models changed); regenerate it with: {REGENERATE}"
    )


def test_schema_is_draft_2020_12_of_the_experiment_input() -> None:
    schema = experiment_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["configs"]
    assert schema["properties"]["configs"]["minItems"] == 1


def test_every_input_object_forbids_unknown_properties() -> None:
    open_objects = [
        name
        for name, definition in _objects(experiment_json_schema()).items()
        if definition.get("type") == "object"
        and definition.get("additionalProperties") is not False
    ]
    assert not open_objects, f"add extra='forbid' to {open_objects}"


def test_numeric_ranges_are_in_the_schema() -> None:
    fine_tune = experiment_json_schema()["$defs"]["BertFineTuneConfig"]["properties"]
    assert fine_tune["batch_size"]["minimum"] == 1
    assert fine_tune["learning_rate"]["exclusiveMinimum"] == 0
    assert fine_tune["num_epochs"]["maximum"] == 1000


@pytest.mark.parametrize("run_id", GOOD_RUN_IDS + BAD_RUN_IDS)
def test_schema_run_id_pattern_agrees_with_the_validator(run_id: str) -> None:
    try:
        validate_run_id(run_id)
        valid = True
    except ValueError:
        valid = False
    # ECMA-262's "$" is the end of input: Python's "\Z" (Python's "$" also matches before "\n").
    python_pattern = RUN_ID_JSON_PATTERN.replace("$", r"\Z")
    assert bool(re.search(python_pattern, run_id)) == valid


def test_run_id_fields_carry_the_pattern() -> None:
    text = json.dumps(experiment_json_schema())
    run_id_fields = text.count('"title": "Run Id"')
    assert run_id_fields >= 3
    assert text.count(json.dumps(RUN_ID_JSON_PATTERN)) >= run_id_fields


def test_an_experiment_file_validates() -> None:
    text = coordinator_input().model_dump_json(exclude_defaults=True)
    assert CoordinatorWorkflowInput.model_validate_json(text) == coordinator_input()
