"""Schema inference and metrics as plain functions."""

import math
from typing import Any

import pytest
from bert_activities.metrics import classification_metrics, regression_metrics
from bert_activities.schema import RunSchema, SchemaHints, encode_labels, infer_schema
from bert_types import TaskType
from bert_types.errors import LABEL_FIELD_INVALID
from temporalio.exceptions import ApplicationError


def _schema(rows: list[dict[str, Any]], **hints: Any) -> RunSchema:
    return infer_schema(list(rows[0]), rows, rows[:2], SchemaHints(**hints))


def test_pair_single_and_fallback_columns() -> None:
    pairs = _schema(
        [
            {"premise": "a", "hypothesis": "b", "label": 0},
            {"premise": "c", "hypothesis": "d", "label": 1},
        ]
    )
    assert (pairs.text_field, pairs.text_pair_field) == ("premise", "hypothesis")
    qa = _schema(
        [
            {"question": "q?", "context": "c", "label": 1},
            {"question": "r?", "context": "d", "label": 0},
        ]
    )
    assert (qa.text_field, qa.text_pair_field) == ("question", "context")
    fallback = _schema([{"idx": 1, "blurb": "x", "stars": 2}, {"idx": 2, "blurb": "y", "stars": 0}])
    assert (fallback.text_field, fallback.label_field) == ("blurb", "stars")
    assert fallback.label_names == ("0", "1", "2")
    hinted = _schema(
        [{"a": "x", "b": "y", "label": 0}, {"a": "z", "b": "w", "label": 1}],
        text_field="b",
        text_pair_field="a",
    )
    assert (hinted.text_field, hinted.text_pair_field) == ("b", "a")


def test_task_types_and_label_encoding() -> None:
    strings = _schema([{"text": "x", "label": "NUM"}, {"text": "y", "label": "ABBR"}])
    assert strings.task_type == TaskType.CLASSIFICATION
    assert strings.label_names == ("ABBR", "NUM")
    assert encode_labels(strings, [{"label": "NUM"}, {"label": "ABBR"}], "label", "t") == [1, 0]
    floats = _schema([{"text": "x", "score": 1.5}, {"text": "y", "score": 3}])
    assert floats.task_type == TaskType.REGRESSION
    assert floats.num_labels == 1
    forced = _schema(
        [{"text": "x", "label": 1.0}, {"text": "y", "label": 0.0}],
        task_type=TaskType.CLASSIFICATION,
    )
    assert forced.label_names == ("0", "1")
    declared = infer_schema(
        ["text", "label"],
        [{"text": "x", "label": 0}, {"text": "y", "label": 1}],
        [],
        SchemaHints(),
        declared_label_names={"label": ["negative", "positive"]},
    )
    assert declared.label_names == ("negative", "positive")


def test_single_class_and_negative_ids_are_rejected() -> None:
    with pytest.raises(ApplicationError) as info:
        _schema([{"text": "x", "label": "a"}, {"text": "y", "label": "a"}])
    assert info.value.type == LABEL_FIELD_INVALID
    assert "single class" in info.value.message
    with pytest.raises(ApplicationError) as info:
        _schema([{"text": "x", "label": -1}, {"text": "y", "label": 1}])
    assert "-1" in info.value.message


def test_classification_metrics_by_hand() -> None:
    metrics = classification_metrics([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], ["a", "b", "c"])
    assert metrics["accuracy"] == pytest.approx(3 / 5)
    assert metrics["f1_a"] == pytest.approx(0.5)
    assert metrics["f1_b"] == pytest.approx(0.8)
    assert metrics["f1_c"] == 0.0
    assert metrics["precision_macro"] == pytest.approx((1 / 2 + 2 / 3 + 0) / 3)
    assert metrics["recall_macro"] == pytest.approx((1 / 2 + 1 + 0) / 3)
    assert metrics["f1_macro"] == pytest.approx((0.5 + 0.8 + 0) / 3)


def test_regression_metrics() -> None:
    metrics = regression_metrics([1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.5, 5.0])
    assert metrics["mse"] == pytest.approx((0.25 + 0 + 0.25 + 1) / 4)
    assert metrics["rmse"] == pytest.approx(math.sqrt(metrics["mse"]))
    assert metrics["spearman"] == pytest.approx(1.0)
    assert 0.9 < metrics["pearson"] < 1.0
    assert regression_metrics([1.0, 2.0], [3.0, 3.0])["pearson"] == 0.0
