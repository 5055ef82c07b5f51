"""Inference and evaluation of completed tiny-BERT runs, and the per-process model cache."""

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bert_activities.evaluation import evaluate
from bert_activities.inference import predict
from bert_activities.model_cache import MODEL_CACHE, ModelCache
from bert_activities.roots import resolve_model_dir
from bert_activities.training import fine_tune
from bert_types import (
    BertEvalRequest,
    BertFineTuneRequest,
    BertInferenceRequest,
    DatasetSnapshotResult,
    TaskType,
)
from bert_types.errors import INVALID_CONFIG
from temporalio.exceptions import ApplicationError

from tests.activities.conftest import read_jsonl


def _sentences(shared_data: Path, count: int) -> list[str]:
    rows = read_jsonl(shared_data / "sst2" / "validation.jsonl", limit=count)
    return [str(row["sentence"]) for row in rows]


def test_predictions_come_back_in_input_order(trained_sst2_run: Any, shared_data: Path) -> None:
    texts = _sentences(shared_data, 21)
    batched = predict(
        BertInferenceRequest(model_path=trained_sst2_run.model_path, texts=texts, batch_size=4)
    )
    assert batched.task_type == TaskType.CLASSIFICATION
    assert batched.num_texts == 21
    assert batched.label_ids is not None
    assert batched.confidences is not None
    assert batched.label_names == [str(i) for i in batched.label_ids]
    assert all(0.5 <= c <= 1.0 for c in batched.confidences)
    for index in (0, 7, 20):
        alone = predict(
            BertInferenceRequest(model_path=trained_sst2_run.model_path, texts=[texts[index]])
        )
        assert alone.label_ids == [batched.label_ids[index]]
        assert alone.confidences is not None
        assert alone.confidences[0] == pytest.approx(batched.confidences[index], abs=1e-4)


def test_loaded_models_are_cached(trained_sst2_run: Any, shared_data: Path) -> None:
    request = BertInferenceRequest(
        model_path=trained_sst2_run.model_path, texts=_sentences(shared_data, 2)
    )
    predict(request)
    loads = MODEL_CACHE.loads
    predict(request)
    assert MODEL_CACHE.loads == loads


def test_cache_is_a_bounded_lru(trained_sst2_run: Any, tmp_path: Path) -> None:
    folders = []
    for name in ("a", "b", "c"):
        folder = tmp_path / name
        shutil.copytree(
            trained_sst2_run.model_path, folder, ignore=shutil.ignore_patterns("checkpoint-*")
        )
        folders.append(folder)
    cache = ModelCache(capacity=2)
    for folder in folders:
        cache.get(folder, "model_path")
    assert cache.loads == 3
    cache.get(folders[2], "model_path")
    assert cache.loads == 3
    cache.get(folders[0], "model_path")
    assert cache.loads == 4


def test_run_id_and_model_path_resolve_alike(
    trained_sst2_run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = Path(trained_sst2_run.model_path)
    monkeypatch.setenv("BERT_ARTIFACT_ROOT", str(run_dir.parent))
    assert resolve_model_dir("tiny-sst2", None) == run_dir
    assert resolve_model_dir(None, f"bert_runs/{run_dir.name}") == run_dir
    assert resolve_model_dir("x", str(run_dir)) == run_dir
    assert resolve_model_dir("tiny-sst2", None, str(run_dir.parent)) == run_dir
    by_id = predict(BertInferenceRequest(run_id="tiny-sst2", texts=["a fine film"]))
    assert by_id.model_path == str(run_dir)


def test_evaluate_defaults_to_the_snapshot_eval_split(trained_sst2_run: Any) -> None:
    result = evaluate(BertEvalRequest(model_path=trained_sst2_run.model_path))
    assert result.split == "eval"
    assert result.num_samples == trained_sst2_run.num_eval_samples
    assert result.accuracy == pytest.approx(trained_sst2_run.eval_metrics["accuracy"])
    assert result.metrics == pytest.approx(trained_sst2_run.eval_metrics)
    assert result.run_id == "tiny-sst2"
    assert result.task_type == TaskType.CLASSIFICATION


def test_evaluate_a_snapshot_folder_as_dataset(trained_sst2_run: Any) -> None:
    snapshot_path = evaluate(BertEvalRequest(model_path=trained_sst2_run.model_path))
    as_dataset = evaluate(
        BertEvalRequest(
            model_path=trained_sst2_run.model_path,
            dataset_name=trained_sst2_run.snapshot_path,
        )
    )
    assert as_dataset.split == "eval"
    assert as_dataset.metrics == pytest.approx(snapshot_path.metrics)


def test_evaluate_another_dataset_split(trained_sst2_run: Any, shared_data: Path) -> None:
    result = evaluate(
        BertEvalRequest(
            model_path=trained_sst2_run.model_path,
            dataset_name=str(shared_data / "sst2"),
            max_eval_samples=40,
        )
    )
    assert (result.split, result.num_samples) == ("validation", 40)
    assert result.accuracy == result.metrics["accuracy"]
    assert {"f1_macro", "precision_macro", "recall_macro", "f1_0", "f1_1"} <= set(result.metrics)


def test_pairs_strings_and_regression_through_inference(
    shared_data: Path,
    tmp_path: Path,
    make_snapshot: Callable[..., DatasetSnapshotResult],
    tiny_request: Callable[..., BertFineTuneRequest],
) -> None:
    rte = fine_tune(
        tiny_request(
            make_snapshot(shared_data / "rte", max_train_samples=32, max_eval_samples=8),
            "tiny-rte-infer",
            max_steps=1,
        )
    )
    with pytest.raises(ApplicationError) as info:
        predict(BertInferenceRequest(model_path=rte.model_path, texts=["a"]))
    assert info.value.type == INVALID_CONFIG
    assert "text_pairs" in info.value.message
    pair = predict(
        BertInferenceRequest(model_path=rte.model_path, texts=["a man"], text_pairs=["a person"])
    )
    assert pair.label_ids is not None
    assert len(pair.label_ids) == 1

    trec_snapshot = make_snapshot(shared_data / "trec", eval_split="test", max_eval_samples=30)
    trec = fine_tune(tiny_request(trec_snapshot, "tiny-trec-infer", max_steps=2))
    names = predict(
        BertInferenceRequest(model_path=trec.model_path, texts=["Who was Galileo ?"])
    ).label_names
    assert names is not None
    assert names[0] in trec.label_names
    trec_eval = evaluate(
        BertEvalRequest(
            model_path=trec.model_path, dataset_name=str(shared_data / "trec"), split="test"
        )
    )
    assert trec_eval.num_samples == 500
    assert {f"f1_{name}" for name in trec.label_names} <= set(trec_eval.metrics)

    rows = read_jsonl(shared_data / "sst2" / "train.jsonl", limit=40)
    data = tmp_path / "scores.csv"
    data.write_text(
        "text,score\n" + "".join(f'"{r["sentence"]}",{r["label"] * 2.5 + 0.5}\n' for r in rows),
        encoding="utf-8",
    )
    regression = fine_tune(tiny_request(make_snapshot(data), "tiny-reg-infer", max_steps=2))
    values = predict(
        BertInferenceRequest(model_path=regression.model_path, texts=["great", "awful"])
    )
    assert values.task_type == TaskType.REGRESSION
    assert values.values is not None
    assert len(values.values) == 2
    assert values.label_ids is None
    scored = evaluate(BertEvalRequest(model_path=regression.model_path))
    assert scored.accuracy is None
    assert set(scored.metrics) == {"mse", "rmse", "pearson", "spearman"}
