"""Schema inference: which columns hold the text, the text pair and the label, and the task type.

Explicit hints win; otherwise common column names are tried, then the first string column (text)
or the first numeric scalar column (label). Labels decide the task: ``ClassLabel``, integers or
strings make a classification, floats a regression.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bert_types.errors import LABEL_FIELD_INVALID, TEXT_FIELD_NOT_FOUND
from bert_types.fine_tune_config import TaskType

from bert_activities.failures import bad_input

TEXT_FIELD_NAMES = (
    "sentence",
    "text",
    "content",
    "review",
    "question",
    "document",
    "comment",
    "tweet",
    "body",
    "utterance",
    "query",
    "title",
)
TEXT_PAIR_NAMES = (
    ("sentence1", "sentence2"),
    ("premise", "hypothesis"),
    ("question1", "question2"),
    ("question", "context"),
    ("question", "sentence"),
    ("text_a", "text_b"),
    ("sentence_a", "sentence_b"),
    ("text1", "text2"),
    ("query", "passage"),
)
LABEL_FIELD_NAMES = (
    "label",
    "labels",
    "target",
    "class",
    "category",
    "score",
    "sentiment",
    "rating",
    "y",
)
_NOT_LABELS = frozenset({"idx", "id", "index", "uid", "guid"})
MAX_CLASS_ID = 100_000


@dataclass(frozen=True)
class SchemaHints:
    """Explicit column choices from a config or request; ``None`` means infer."""

    text_field: str | None = None
    text_pair_field: str | None = None
    label_field: str | None = None
    task_type: TaskType = TaskType.AUTO


@dataclass(frozen=True)
class RunSchema:
    """The columns and labels a run trains on."""

    text_field: str
    text_pair_field: str | None
    label_field: str
    task_type: TaskType
    label_names: tuple[str, ...]
    string_labels: bool

    @property
    def num_labels(self) -> int:
        """Output units of the model: classes, or 1 for regression."""
        return len(self.label_names) if self.task_type == TaskType.CLASSIFICATION else 1


def infer_text_fields(
    columns: Sequence[str], rows: Sequence[dict[str, Any]], hints: SchemaHints, where: str
) -> tuple[str, str | None]:
    """The text column and optional pair column of ``columns``."""
    available = ", ".join(columns) or "none"
    for name in (hints.text_field, hints.text_pair_field):
        if name is not None and name not in columns:
            raise bad_input(
                TEXT_FIELD_NOT_FOUND,
                f"text column {name!r} is not in {where}; available columns: {available}. "
                "Fix text_field / text_pair_field or leave them unset to infer",
            )
    if hints.text_field is not None:
        return hints.text_field, hints.text_pair_field
    if hints.text_pair_field is None:
        for first, second in TEXT_PAIR_NAMES:
            if first in columns and second in columns:
                return first, second
    for name in TEXT_FIELD_NAMES:
        if name in columns and name != hints.text_pair_field and _is_text(rows, name):
            return name, hints.text_pair_field
    for name in columns:
        if name not in (hints.label_field, hints.text_pair_field) and _is_text(rows, name):
            return name, hints.text_pair_field
    raise bad_input(
        TEXT_FIELD_NOT_FOUND,
        f"no text column in {where}: no string column among {available}. "
        "Set text_field to the column holding the text",
    )


def _is_text(rows: Sequence[dict[str, Any]], name: str) -> bool:
    values = [row.get(name) for row in rows[:100]]
    return any(isinstance(v, str) for v in values) and all(
        v is None or isinstance(v, str) for v in values
    )


def infer_label_field(
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    hints: SchemaHints,
    text_fields: Sequence[str | None],
    where: str,
) -> str:
    """The label column of ``columns``."""
    available = ", ".join(columns) or "none"
    if hints.label_field is not None:
        if hints.label_field not in columns:
            raise bad_input(
                LABEL_FIELD_INVALID,
                f"label column {hints.label_field!r} is not in {where}; available columns: "
                f"{available}. Fix label_field or leave it unset to infer",
            )
        return hints.label_field
    for name in LABEL_FIELD_NAMES:
        if name in columns and name not in text_fields:
            return name
    for name in columns:
        if name in text_fields or name.lower() in _NOT_LABELS:
            continue
        sample = [row.get(name) for row in rows[:100]]
        if sample and all(isinstance(v, int | float) and not isinstance(v, bool) for v in sample):
            return name
    raise bad_input(
        LABEL_FIELD_INVALID,
        f"no label column in {where}: none of {', '.join(LABEL_FIELD_NAMES)} and no numeric "
        f"column among {available}. Set label_field to the column holding the label",
    )


def infer_schema(
    columns: Sequence[str],
    train_rows: Sequence[dict[str, Any]],
    eval_rows: Sequence[dict[str, Any]],
    hints: SchemaHints,
    *,
    declared_label_names: dict[str, list[str]] | None = None,
    where: str = "the dataset",
) -> RunSchema:
    """Infer a run's schema from its train and eval rows, honouring ``hints``."""
    text_field, pair_field = infer_text_fields(columns, train_rows, hints, where)
    label_field = infer_label_field(columns, train_rows, hints, (text_field, pair_field), where)
    values = [
        _label_value(row, label_field, index, split)
        for split, split_rows in (("train", train_rows), ("eval", eval_rows))
        for index, row in enumerate(split_rows)
    ]
    kinds = {_kind(v) for v in values}
    if len(kinds) > 1 and kinds != {"int", "float"}:
        raise bad_input(
            LABEL_FIELD_INVALID,
            f"label column {label_field!r} in {where} mixes value types "
            f"({', '.join(sorted(kinds))}); make every label a string, an integer class id or "
            "a float score",
        )
    declared = (declared_label_names or {}).get(label_field)
    task = _task_type(kinds, hints.task_type, label_field, where)
    if task == TaskType.REGRESSION:
        for index, value in enumerate(values):
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise bad_input(
                    LABEL_FIELD_INVALID,
                    f"label column {label_field!r} in {where} has a non-finite regression value "
                    f"({value!r}, row {index} of train+eval); drop or fix those rows",
                )
        return RunSchema(text_field, pair_field, label_field, task, (), string_labels=False)
    if kinds == {"str"}:
        names = tuple(sorted({str(v) for v in values}))
        schema = RunSchema(text_field, pair_field, label_field, task, names, string_labels=True)
    else:
        ids = [_class_id(v, label_field, where) for v in values]
        count = max(max(ids) + 1, len(declared or ()))
        names = tuple(declared) if declared else tuple(str(i) for i in range(count))
        schema = RunSchema(text_field, pair_field, label_field, task, names, string_labels=False)
    if schema.num_labels < 2:
        raise bad_input(
            LABEL_FIELD_INVALID,
            f"label column {label_field!r} in {where} holds a single class "
            f"({schema.label_names[0]!r}); classification needs at least two classes",
        )
    return schema


def _label_value(row: dict[str, Any], field: str, index: int, split: str) -> Any:
    value = row.get(field)
    if value is None:
        raise bad_input(
            LABEL_FIELD_INVALID,
            f"label column {field!r} is missing, null or NaN in {split} row {index}; every "
            "row needs a label (drop unlabelled rows, e.g. a GLUE test split)",
        )
    if isinstance(value, bool):
        return int(value)
    if not isinstance(value, str | int | float):
        raise bad_input(
            LABEL_FIELD_INVALID,
            f"label column {field!r} holds {type(value).__name__} values ({split} row {index}); "
            "labels must be strings, integers or floats",
        )
    return value


def _kind(value: Any) -> str:
    return "str" if isinstance(value, str) else "int" if isinstance(value, int) else "float"


def _task_type(kinds: set[str], requested: TaskType, field: str, where: str) -> TaskType:
    if requested == TaskType.REGRESSION and "str" in kinds:
        raise bad_input(
            LABEL_FIELD_INVALID,
            f"task_type is regression but label column {field!r} in {where} holds strings; "
            "use task_type classification or numeric labels",
        )
    if requested != TaskType.AUTO:
        return requested
    return TaskType.REGRESSION if "float" in kinds else TaskType.CLASSIFICATION


def _class_id(value: Any, field: str, where: str) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise bad_input(
            LABEL_FIELD_INVALID,
            f"label column {field!r} in {where} holds non-integer value {value!r} but "
            "task_type is classification; use task_type regression or integer labels",
        )
    class_id = int(value)
    if class_id < 0 or class_id > MAX_CLASS_ID:
        raise bad_input(
            LABEL_FIELD_INVALID,
            f"label column {field!r} in {where} holds class id {class_id}; class ids must be "
            f"0..{MAX_CLASS_ID} (a -1 marks unlabelled rows: drop them)",
        )
    return class_id


def encode_labels(
    schema: RunSchema, rows: Sequence[dict[str, Any]], label_field: str, where: str
) -> list[int] | list[float]:
    """The training targets of ``rows``: class ids, or floats for regression."""
    if schema.task_type == TaskType.REGRESSION:
        targets: list[float] = []
        for index, row in enumerate(rows):
            value = _label_value(row, label_field, index, where)
            if isinstance(value, str) or not math.isfinite(float(value)):
                raise bad_input(
                    LABEL_FIELD_INVALID,
                    f"label column {label_field!r} in {where} row {index} holds {value!r}; "
                    "regression labels must be finite numbers",
                )
            targets.append(float(value))
        return targets
    label_ids = {name: index for index, name in enumerate(schema.label_names)}
    ids: list[int] = []
    for index, row in enumerate(rows):
        value = _label_value(row, label_field, index, where)
        if schema.string_labels:
            if str(value) not in label_ids:
                raise bad_input(
                    LABEL_FIELD_INVALID,
                    f"label {value!r} in {where} row {index} is not one of the run's classes "
                    f"({', '.join(schema.label_names)})",
                )
            ids.append(label_ids[str(value)])
            continue
        if isinstance(value, str):
            if value not in label_ids:
                raise bad_input(
                    LABEL_FIELD_INVALID,
                    f"label {value!r} in {where} row {index} is a string but the run was trained "
                    f"on class ids 0..{schema.num_labels - 1}",
                )
            ids.append(label_ids[value])
            continue
        class_id = _class_id(value, label_field, where)
        if class_id >= schema.num_labels:
            raise bad_input(
                LABEL_FIELD_INVALID,
                f"label {class_id} in {where} row {index} is outside the run's "
                f"{schema.num_labels} classes",
            )
        ids.append(class_id)
    return ids


def text_values(rows: Sequence[dict[str, Any]], field: str, where: str) -> list[str]:
    """The strings of ``field`` in ``rows``; nulls become empty strings."""
    texts: list[str] = []
    for index, row in enumerate(rows):
        if field not in row:
            raise bad_input(
                TEXT_FIELD_NOT_FOUND,
                f"text column {field!r} is missing in {where} row {index}; set text_field",
            )
        value = row[field]
        if value is None:
            texts.append("")
        elif isinstance(value, str):
            texts.append(value)
        else:
            raise bad_input(
                TEXT_FIELD_NOT_FOUND,
                f"text column {field!r} in {where} row {index} holds {type(value).__name__}, not "
                "text; set text_field to a string column",
            )
    return texts
