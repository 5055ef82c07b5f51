"""Sweep files: YAML or JSON whose content is a ``SweepConfig``, validated with line numbers."""

import json
import re
from pathlib import Path
from typing import Any

import yaml
from bert_types import SweepConfig
from pydantic import ValidationError

from bert_client.experiment_file import (
    ExperimentFileError,
    FieldIssue,
    _line_index,
    _nearest_line,
    format_location,
)

FIELD_PATH = re.compile(r"([A-Za-z_]+(?:\.[A-Za-z_]+)*)[ :]")
"""A dotted field path at the start of a validation message."""


def parse_sweep(data: Any, file: Path, text: str | None = None) -> SweepConfig:
    """Validate parsed file content; ``text`` (the raw file) lets issues carry line numbers."""
    if not isinstance(data, dict):
        raise ExperimentFileError(
            file,
            [FieldIssue("(top level)", "must be a mapping with base_config and search_space")],
        )
    try:
        return SweepConfig.model_validate(data)
    except ValidationError as error:
        lines = _line_index(text) if text is not None else {}
        issues = []
        for item in error.errors():
            message = item["msg"].removeprefix("Value error, ")
            location = tuple(item["loc"]) or _named_location(message)
            if item["type"] == "extra_forbidden":
                message = "unknown field (check its spelling)"
            issues.append(
                FieldIssue(format_location(location), message, _nearest_line(lines, location))
            )
        raise ExperimentFileError(file, issues) from None


def _named_location(message: str) -> tuple[str, ...]:
    """The field a whole-sweep check names first (``search_space.lr: ...`` -> search_space, lr)."""
    match = FIELD_PATH.match(message)
    if match is None or match.group(1).split(".")[0] not in SweepConfig.model_fields:
        return ()
    return tuple(match.group(1).split("."))


def load_sweep(file: str | Path) -> SweepConfig:
    """Read and validate a sweep file (``.yaml``, ``.yml`` or ``.json``); nothing is started."""
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ExperimentFileError(path, [FieldIssue("(file)", f"cannot read: {error}")]) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        issue = FieldIssue("(file)", f"invalid JSON: {error.msg}", error.lineno)
        raise ExperimentFileError(path, [issue]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ExperimentFileError(
            path, [FieldIssue("(file)", f"invalid YAML: {error}", line)]
        ) from None
    return parse_sweep(data, path, text)
