"""The ``RunId`` type: a run's name, safe to use as a directory name."""

import re
from typing import Annotated, Final

from pydantic import AfterValidator, WithJsonSchema

RUN_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9._-]{1,128}")
RUN_ID_JSON_PATTERN: Final = r"^(?!\.$)(?!.*\.\.)[A-Za-z0-9._-]{1,128}$"
"""The same rule as :func:`validate_run_id`, as an ECMA-262 pattern for JSON Schema."""
_DISALLOWED = re.compile(r"[^A-Za-z0-9._-]+")


def validate_run_id(value: str) -> str:
    """Return ``value`` if it is a safe run id, else raise ``ValueError`` saying why."""
    if not RUN_ID_PATTERN.fullmatch(value):
        raise ValueError(
            f"run_id {value!r} must be 1-128 characters of letters, digits, '.', '_' or '-' "
            "(it becomes a directory name; '/' and spaces are not allowed)"
        )
    if ".." in value or value == ".":
        raise ValueError(f"run_id {value!r} must not be '.' or contain '..'")
    return value


RunId = Annotated[
    str,
    AfterValidator(validate_run_id),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": RUN_ID_JSON_PATTERN,
            "minLength": 1,
            "maxLength": 128,
            "description": "Letters, digits, '.', '_' or '-'; 1-128 characters; no '..'.",
        }
    ),
]
"""A run id: ``[A-Za-z0-9._-]``, 1-128 characters, no ``..``."""


def derive_run_id(base: str, suffix: str | None = None) -> str:
    """Make a valid run id from any string (e.g. a workflow id), with an optional suffix."""
    cleaned = _DISALLOWED.sub("-", base).replace("..", "-").strip(".-") or "run"
    if suffix is not None:
        tail = "-" + _DISALLOWED.sub("-", suffix).replace("..", "-")
        return cleaned[: 128 - len(tail)] + tail
    return cleaned[:128]
