"""Bad input fails non-retryably with a bert_types error type and a message naming the fix."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bert_activities.activities import evaluate_bert_model, fine_tune_bert, run_bert_inference
from bert_activities.evaluation import evaluate
from bert_activities.inference import predict
from bert_activities.snapshot import create_snapshot
from bert_activities.training import fine_tune
from bert_types import (
    BertEvalRequest,
    BertFineTuneRequest,
    BertInferenceRequest,
    DatasetSnapshotRequest,
    DatasetSnapshotResult,
)
from bert_types.errors import (
    DATASET_DECODE,
    DATASET_NOT_FOUND,
    EMPTY_DATASET,
    EMPTY_INPUT,
    INVALID_CONFIG,
    LABEL_FIELD_INVALID,
    MODEL_NOT_FOUND,
    MODEL_NOT_TRAINED,
    SPLIT_NOT_FOUND,
    TEXT_FIELD_NOT_FOUND,
)
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from tests.activities.conftest import read_jsonl, write_jsonl


def _fails(error_type: str, call: Callable[[], Any], *words: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        call()
    error = info.value
    assert error.type == error_type, error.message
    assert error.non_retryable
    for word in words:
        assert word in error.message, error.message
    return error


def _snapshot(data: Path, root: Path, **fields: Any) -> DatasetSnapshotResult:
    return create_snapshot(
        DatasetSnapshotRequest(dataset_name=str(data), snapshot_root=str(root), **fields)
    )


@pytest.fixture
def sentences(shared_data: Path) -> list[str]:
    return [str(r["sentence"]) for r in read_jsonl(shared_data / "sst2" / "train.jsonl", 40)]


def test_unknown_dataset_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "data.jsonl"
    _fails(DATASET_NOT_FOUND, lambda: _snapshot(missing, tmp_path), str(missing.name))


def test_missing_split(shared_data: Path, tmp_path: Path) -> None:
    _fails(
        SPLIT_NOT_FOUND,
        lambda: _snapshot(shared_data / "sst2", tmp_path, train_split="training"),
        "train_split",
        "train, validation",
    )


def test_non_utf8_file(tmp_path: Path) -> None:
    data = tmp_path / "latin.csv"
    data.write_bytes("sentence,label\ncaf\xe9 cr\xe8me,1\nbad,0\n".encode("latin-1"))
    _fails(DATASET_DECODE, lambda: _snapshot(data, tmp_path), "UTF-8", "latin.csv")


def test_malformed_jsonl(tmp_path: Path) -> None:
    data = tmp_path / "broken.jsonl"
    data.write_text('{"sentence": "fine", "label": 1}\n{"sentence": oops\n', encoding="utf-8")
    _fails(DATASET_DECODE, lambda: _snapshot(data, tmp_path), "broken.jsonl")


def test_empty_dataset(tmp_path: Path) -> None:
    data = tmp_path / "header_only.csv"
    data.write_text("sentence,label\n", encoding="utf-8")
    _fails(EMPTY_DATASET, lambda: _snapshot(data, tmp_path), "header_only.csv")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    _fails(EMPTY_DATASET, lambda: _snapshot(empty, tmp_path), "empty.jsonl")


def _train(
    rows: list[dict[str, Any]],
    tmp_path: Path,
    tiny_request: Callable[..., BertFineTuneRequest],
    **fields: Any,
) -> Any:
    data = write_jsonl(tmp_path / "data.jsonl", rows) if rows else tmp_path / "data.csv"
    snapshot = _snapshot(data, tmp_path / "snaps")
    return fine_tune(tiny_request(snapshot, "bad-input", output_dir=tmp_path / "run", **fields))


def test_no_text_column(tmp_path: Path, tiny_request: Callable[..., BertFineTuneRequest]) -> None:
    rows = [{"x": i * 0.5, "label": i % 2} for i in range(20)]
    _fails(TEXT_FIELD_NOT_FOUND, lambda: _train(rows, tmp_path, tiny_request), "text_field")


def test_configured_text_column_missing(
    sentences: list[str], tmp_path: Path, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    rows = [{"sentence": s, "label": i % 2} for i, s in enumerate(sentences)]
    _fails(
        TEXT_FIELD_NOT_FOUND,
        lambda: _train(rows, tmp_path, tiny_request, text_field="body"),
        "'body'",
        "sentence, label",
    )


def test_missing_label_column(
    sentences: list[str], tmp_path: Path, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    rows = [{"sentence": s} for s in sentences]
    _fails(LABEL_FIELD_INVALID, lambda: _train(rows, tmp_path, tiny_request), "label_field")
    labelled = [{"sentence": s, "label": i % 2} for i, s in enumerate(sentences)]
    _fails(
        LABEL_FIELD_INVALID,
        lambda: _train(labelled, tmp_path, tiny_request, label_field="stars"),
        "'stars'",
    )


def test_mixed_type_labels(
    sentences: list[str], tmp_path: Path, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    data = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps({"sentence": s, "label": "pos" if i % 3 == 0 else i % 2})
        for i, s in enumerate(sentences)
    ]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def train() -> Any:
        snapshot = _snapshot(data, tmp_path / "snaps")
        return fine_tune(tiny_request(snapshot, "mixed", output_dir=tmp_path / "run"))

    error = _fails(LABEL_FIELD_INVALID, train)
    assert "mix" in error.message or "mixed" in error.message or "label" in error.message


def test_nan_regression_labels(
    sentences: list[str], tmp_path: Path, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    values = [0.5, 1.5, float("nan"), 2.0]
    jsonl = tmp_path / "scores.jsonl"
    lines = [json.dumps({"text": s, "score": values[i % 4]}) for i, s in enumerate(sentences)]
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    csv = tmp_path / "scores.csv"
    body = "".join(f'"{s}",{values[i % 4]}\n' for i, s in enumerate(sentences))
    csv.write_text("text,score\n" + body, encoding="utf-8")

    def train(data: Path) -> Any:
        snapshot = _snapshot(data, tmp_path / "snaps")
        return fine_tune(tiny_request(snapshot, "nan", output_dir=tmp_path / "run"))

    _fails(LABEL_FIELD_INVALID, lambda: train(jsonl), "'score'", "non-finite")
    _fails(LABEL_FIELD_INVALID, lambda: train(csv), "'score'", "NaN")


def test_max_seq_length_above_model_limit(
    sst2_snapshot: DatasetSnapshotResult, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    _fails(
        INVALID_CONFIG,
        lambda: fine_tune(tiny_request(sst2_snapshot, "too-long", max_seq_length=256)),
        "max_seq_length=256",
        "128",
    )


def test_unknown_model_path_and_non_model_folder(
    sst2_snapshot: DatasetSnapshotResult,
    tiny_request: Callable[..., BertFineTuneRequest],
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-model"
    _fails(
        MODEL_NOT_FOUND,
        lambda: fine_tune(tiny_request(sst2_snapshot, "m1", model_name=str(missing))),
        "no-model",
    )
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "README.txt").write_text("not a model")
    _fails(
        MODEL_NOT_FOUND,
        lambda: fine_tune(tiny_request(sst2_snapshot, "m2", model_name=str(folder))),
        "config.json",
    )
    _fails(
        MODEL_NOT_FOUND,
        lambda: predict(BertInferenceRequest(model_path=str(missing), texts=["hello"])),
        "no-model",
    )


def test_eval_of_a_run_that_never_trained(tmp_path: Path) -> None:
    run_dir = tmp_path / "half-run"
    (run_dir / "checkpoint-2").mkdir(parents=True)
    _fails(
        MODEL_NOT_TRAINED,
        lambda: evaluate(BertEvalRequest(model_path=str(run_dir))),
        "half-run",
        "fine_tune_bert",
    )
    _fails(
        MODEL_NOT_TRAINED,
        lambda: predict(BertInferenceRequest(model_path=str(run_dir), texts=["x"])),
    )


def test_empty_inference_list(trained_sst2_run: Any) -> None:
    request = BertInferenceRequest.model_construct(
        model_path=trained_sst2_run.model_path, texts=[], batch_size=8
    )
    _fails(EMPTY_INPUT, lambda: predict(request), "texts")


async def test_errors_cross_the_activity_boundary_unchanged(
    sst2_snapshot: DatasetSnapshotResult,
    tiny_request: Callable[..., BertFineTuneRequest],
    tmp_path: Path,
) -> None:
    env = ActivityEnvironment()
    with pytest.raises(ApplicationError) as info:
        await env.run(fine_tune_bert, tiny_request(sst2_snapshot, "act-bad", max_seq_length=1024))
    assert (info.value.type, info.value.non_retryable) == (INVALID_CONFIG, True)
    with pytest.raises(ApplicationError) as info:
        await env.run(evaluate_bert_model, BertEvalRequest(model_path=str(tmp_path / "none")))
    assert (info.value.type, info.value.non_retryable) == (MODEL_NOT_FOUND, True)
    with pytest.raises(ApplicationError) as info:
        await env.run(
            run_bert_inference,
            BertInferenceRequest(model_path=str(tmp_path), texts=["x"], max_seq_length=64),
        )
    assert (info.value.type, info.value.non_retryable) == (MODEL_NOT_TRAINED, True)
