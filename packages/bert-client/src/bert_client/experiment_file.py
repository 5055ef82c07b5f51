"""Experiment files: YAML or JSON whose content is a ``CoordinatorWorkflowInput``.

Validation reports every bad field at once, with its path in the file (``configs[0].fine_tune.
learning_rate``) and, for YAML and JSON text, its line.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from bert_types import CoordinatorWorkflowInput
from pydantic import BaseModel, ValidationError

from bert_client.errors import BertClientError

ModelT = TypeVar("ModelT", bound=BaseModel)
FIELD_PATH = re.compile(r"([A-Za-z_]+(?:\.[A-Za-z_]+)*)[ :]")
"""A dotted field path at the start of a validation message."""


@dataclass(frozen=True)
class FieldIssue:
    """One problem in an experiment file: where (path and line) and what is wrong."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path} (line {self.line})" if self.line is not None else self.path
        return f"{where}: {self.message}"


class ExperimentFileError(BertClientError):
    """An experiment file cannot be read or does not describe a valid experiment."""

    def __init__(self, file: Path, issues: Sequence[FieldIssue]) -> None:
        lines = "\n".join(f"  - {issue}" for issue in issues)
        super().__init__(f"{file}: {len(issues)} problem(s)\n{lines}")
        self.file = file
        self.issues = list(issues)


def format_location(location: Sequence[int | str]) -> str:
    """A pydantic error location as a path: ``("configs", 0, "run_id")`` → ``configs[0].run_id``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


def parse_experiment(data: Any, file: Path, text: str | None = None) -> CoordinatorWorkflowInput:
    """Validate parsed file content; ``text`` (the raw file) lets issues carry line numbers."""
    return validate_content(
        CoordinatorWorkflowInput, data, file, text, expected="at least a 'configs' list"
    )


def load_experiment(file: str | Path) -> CoordinatorWorkflowInput:
    """Read and validate an experiment file (``.yaml``, ``.yml`` or ``.json``).

    Raises :class:`ExperimentFileError` listing every problem; nothing is started.
    """
    path = Path(file)
    data, text = read_document(path)
    return parse_experiment(data, path, text)


def validate_content(
    model: type[ModelT], data: Any, file: Path, text: str | None, *, expected: str
) -> ModelT:
    """Validate a parsed document as ``model``; every problem becomes a :class:`FieldIssue`.

    ``expected`` says what the top level must hold when it is not a mapping.
    """
    if not isinstance(data, dict):
        raise ExperimentFileError(
            file, [FieldIssue("(top level)", f"must be a mapping with {expected}")]
        )
    try:
        return model.model_validate(data)
    except ValidationError as error:
        lines = _line_index(text) if text is not None else {}
        issues = []
        for item in error.errors():
            message = item["msg"]
            location = tuple(item["loc"]) or _named_location(model, message)
            if item["type"] == "extra_forbidden":
                message = "unknown field (check its spelling; `bert schema` shows the fields)"
            elif message.startswith("Value error, "):
                message = message.removeprefix("Value error, ")
            elif "input" in item and not isinstance(item["input"], dict | list):
                message = f"{message} (got {item['input']!r})"
            issues.append(
                FieldIssue(format_location(location), message, _nearest_line(lines, location))
            )
        raise ExperimentFileError(file, issues) from None


def read_document(path: Path) -> tuple[Any, str]:
    """Read a YAML or JSON file (by suffix): its parsed content and its text."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ExperimentFileError(path, [FieldIssue("(file)", f"cannot read: {error}")]) from None
    except UnicodeDecodeError as error:
        raise ExperimentFileError(
            path, [FieldIssue("(file)", f"not UTF-8 text: {error}")]
        ) from None
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
    return data, text


def _named_location(model: type[BaseModel], message: str) -> tuple[str, ...]:
    """The field a whole-model check names first (``search_space.lr: ...`` -> search_space, lr)."""
    match = FIELD_PATH.match(message.removeprefix("Value error, "))
    if match is None or match.group(1).split(".")[0] not in model.model_fields:
        return ()
    return tuple(match.group(1).split("."))


def _line_index(text: str) -> dict[tuple[int | str, ...], int]:
    """Map every key path of a YAML/JSON document to the 1-based line where it starts."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    index: dict[tuple[int | str, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[int | str, ...]) -> None:
        index[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, str(key.value))
                walk(value, child)
                index[child] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for position, value in enumerate(node.value):
                walk(value, (*path, position))

    if root is not None:
        walk(root, ())
    return index


def _nearest_line(lines: dict[tuple[int | str, ...], int], location: tuple[Any, ...]) -> int | None:
    """The line of ``location``, else of its closest ancestor present in the file."""
    for end in range(len(location), -1, -1):
        line = lines.get(tuple(location[:end]))
        if line is not None:
            return line
    return None
