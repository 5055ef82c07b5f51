"""``evaluate``: metrics of a completed run on a split of a dataset (default: its snapshot's eval).

Uses the text / label fields recorded at training time unless the request overrides them.
"""

import time
from pathlib import Path
from typing import Any

from bert_types.errors import EMPTY_DATASET, LABEL_FIELD_INVALID, SPLIT_NOT_FOUND
from bert_types.evaluation import BertEvalRequest, BertEvalResult
from bert_types.fine_tune_config import TaskType

from bert_activities.data_sources import (
    default_eval_split,
    load_source,
    require_split,
    select_rows,
)
from bert_activities.failures import bad_input
from bert_activities.model_cache import MODEL_CACHE
from bert_activities.prediction import predict_logits
from bert_activities.roots import resolve_model_dir
from bert_activities.run_folder import RunInfo
from bert_activities.schema import RunSchema, encode_labels, text_values
from bert_activities.snapshot_files import EVAL_FILE, TRAIN_FILE, read_rows, require_metadata
from bert_activities.training import score


def evaluate(request: BertEvalRequest) -> BertEvalResult:
    """Evaluate the run of ``request`` and return accuracy / F1 or regression metrics."""
    started = time.monotonic()
    model_dir = resolve_model_dir(request.run_id, request.model_path, request.artifact_root)
    loaded = MODEL_CACHE.get(model_dir, "model_path" if request.model_path else "run_id")
    info = loaded.run_info
    rows, dataset_label, split = _rows(request, info)
    if not rows:
        raise bad_input(
            EMPTY_DATASET,
            f"split {split!r} of {dataset_label} has no rows to evaluate; check the split name "
            "and max_eval_samples",
        )
    schema = RunSchema(
        text_field=request.text_field or info.text_field,
        text_pair_field=request.text_pair_field or info.text_pair_field,
        label_field=request.label_field or info.label_field,
        task_type=info.task_type,
        label_names=tuple(info.label_names),
        string_labels=info.string_labels,
    )
    where = f"split {split!r} of {dataset_label}"
    if schema.label_field not in rows[0]:
        raise bad_input(
            LABEL_FIELD_INVALID,
            f"label column {schema.label_field!r} is not in {where}; available columns: "
            f"{', '.join(rows[0])}. Set label_field in the eval request",
        )
    texts = text_values(rows, schema.text_field, where)
    pairs = text_values(rows, schema.text_pair_field, where) if schema.text_pair_field else None
    targets = encode_labels(schema, rows, schema.label_field, where)
    logits = predict_logits(
        loaded.model,
        loaded.tokenizer,
        texts=texts,
        text_pairs=pairs,
        batch_size=request.batch_size,
        max_length=info.max_seq_length,
        device=loaded.device,
    )
    metrics = score(schema, targets, logits)
    return BertEvalResult(
        run_id=request.run_id or info.run_id,
        model_path=str(model_dir),
        model_name=info.model_name,
        dataset_name=dataset_label,
        split=split,
        task_type=info.task_type,
        accuracy=metrics.get("accuracy") if info.task_type == TaskType.CLASSIFICATION else None,
        metrics=metrics,
        num_samples=len(rows),
        duration_s=time.monotonic() - started,
    )


def _rows(request: BertEvalRequest, info: RunInfo) -> tuple[list[dict[str, Any]], str, str]:
    if request.dataset_name is not None:
        source = load_source(request.dataset_name, request.dataset_config_name)
        split = request.split or default_eval_split(source) or "test"
        dataset = require_split(source, split, "split")
        dataset = select_rows(
            dataset, request.max_eval_samples, request.shuffle_before_select, request.seed
        )
        return list(dataset.to_list()), request.dataset_name, split
    snapshot_dir = Path(request.snapshot_path or info.snapshot_path).expanduser().resolve()
    metadata = require_metadata(snapshot_dir)
    eval_names = {None, "eval", "validation", metadata.get("eval_split")}
    label = f"snapshot {snapshot_dir}"
    if request.split in eval_names:
        return _subsample(read_rows(snapshot_dir / EVAL_FILE), request), label, "eval"
    if request.split == "train":
        return _subsample(read_rows(snapshot_dir / TRAIN_FILE), request), label, "train"
    raise bad_input(
        SPLIT_NOT_FOUND,
        f"split {request.split!r} is not in snapshot {snapshot_dir}; a snapshot has 'train' and "
        "'eval' (the default)",
    )


def _subsample(rows: list[dict[str, Any]], request: BertEvalRequest) -> list[dict[str, Any]]:
    limit = request.max_eval_samples
    if limit is None or limit >= len(rows):
        return rows
    if request.shuffle_before_select:
        import random

        order = list(range(len(rows)))
        random.Random(request.seed).shuffle(order)
        return [rows[i] for i in order[:limit]]
    return rows[:limit]
