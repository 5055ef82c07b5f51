"""Batched forward passes: length-sorted batches, dynamic padding, ``torch.inference_mode``."""

from collections.abc import Sequence
from typing import Any


def predict_logits(
    model: Any,
    tokenizer: Any,
    *,
    texts: Sequence[str],
    text_pairs: Sequence[str] | None,
    batch_size: int,
    max_length: int,
    device: str,
) -> Any:
    """Logits for every text (pair), as a float32 numpy array of shape (n, outputs), input order."""
    import numpy as np
    import torch

    encoded = tokenizer(
        list(texts),
        list(text_pairs) if text_pairs is not None else None,
        truncation=True,
        max_length=max_length,
        padding=False,
    )
    features = [{key: encoded[key][index] for key in encoded} for index in range(len(texts))]
    order = sorted(range(len(features)), key=lambda i: len(features[i]["input_ids"]))
    outputs: list[Any] = [None] * len(features)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                batch = tokenizer.pad([features[i] for i in chunk], return_tensors="pt")
                batch = {key: value.to(device) for key, value in batch.items()}
                logits = model(**batch).logits.float().cpu().numpy()
                for position, index in enumerate(chunk):
                    outputs[index] = logits[position]
    finally:
        model.train(was_training)
    if not outputs:
        return np.zeros((0, model.config.num_labels), dtype=np.float32)
    return np.stack(outputs).astype(np.float32)


def softmax(logits: Any) -> Any:
    """Row-wise softmax of a numpy array."""
    import numpy as np

    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)
