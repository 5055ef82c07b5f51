"""``predict``: labels and confidences (or values) of a fine-tuned run for a list of texts."""

import time

from bert_types.errors import EMPTY_INPUT, INVALID_CONFIG
from bert_types.fine_tune_config import TaskType
from bert_types.inference import BertInferenceRequest, BertInferenceResult

from bert_activities.failures import bad_input
from bert_activities.model_cache import MODEL_CACHE
from bert_activities.prediction import predict_logits, softmax
from bert_activities.roots import resolve_model_dir


def predict(request: BertInferenceRequest) -> BertInferenceResult:
    """Run the model of ``request.run_id`` / ``model_path`` on ``request.texts``, in input order."""
    started = time.monotonic()
    if not request.texts:
        raise bad_input(EMPTY_INPUT, "texts is empty; give at least one text to classify")
    model_dir = resolve_model_dir(request.run_id, request.model_path, request.artifact_root)
    loaded = MODEL_CACHE.get(model_dir, "model_path" if request.model_path else "run_id")
    info = loaded.run_info
    max_length = request.max_seq_length or info.max_seq_length
    limit = loaded.max_position_embeddings
    if limit is not None and max_length > limit:
        raise bad_input(
            INVALID_CONFIG,
            f"max_seq_length={max_length} is above the model's max_position_embeddings={limit}; "
            f"set max_seq_length to at most {limit}",
        )
    if info.text_pair_field is not None and request.text_pairs is None:
        raise bad_input(
            INVALID_CONFIG,
            f"run {info.run_id} was trained on text pairs ({info.text_field} + "
            f"{info.text_pair_field}); give text_pairs as well as texts",
        )
    if info.text_pair_field is None and request.text_pairs is not None:
        raise bad_input(
            INVALID_CONFIG,
            f"run {info.run_id} was trained on single texts ({info.text_field}); "
            "leave text_pairs unset",
        )
    logits = predict_logits(
        loaded.model,
        loaded.tokenizer,
        texts=request.texts,
        text_pairs=request.text_pairs,
        batch_size=request.batch_size,
        max_length=max_length,
        device=loaded.device,
    )
    duration = time.monotonic() - started
    result = BertInferenceResult(
        run_id=request.run_id or info.run_id,
        model_path=str(model_dir),
        task_type=info.task_type,
        num_texts=len(request.texts),
        duration_s=duration,
        samples_per_s=len(request.texts) / duration if duration > 0 else 0.0,
    )
    if info.task_type == TaskType.REGRESSION:
        result.values = [float(v) for v in logits[:, 0].tolist()]
        return result
    probabilities = softmax(logits)
    label_ids = [int(i) for i in probabilities.argmax(axis=1).tolist()]
    result.label_ids = label_ids
    result.label_names = [info.label_names[i] for i in label_ids]
    result.confidences = [float(c) for c in probabilities.max(axis=1).tolist()]
    return result
