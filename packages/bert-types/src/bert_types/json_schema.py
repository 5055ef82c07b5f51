"""JSON Schema of experiment files, for editors and CI validation."""

import json
from typing import Any

from bert_types.coordinator import CoordinatorWorkflowInput


def experiment_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of an experiment file (a ``CoordinatorWorkflowInput``)."""
    schema = CoordinatorWorkflowInput.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "bert-parallel experiment"
    return schema


def main() -> None:
    """Print the experiment JSON Schema (``python -m bert_types``)."""
    print(json.dumps(experiment_json_schema(), indent=2, sort_keys=True))
