"""Fine-tuned models loaded for eval and inference, cached per process in a bounded LRU.

Entries are keyed by the model folder and its completion marker's mtime, so a run trained again
is loaded afresh.
"""

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bert_activities.devices import inference_device
from bert_activities.model_source import load_tokenizer
from bert_activities.run_folder import RunInfo, completion_stamp, require_trained_run

logger = logging.getLogger(__name__)

MAX_CACHED_MODELS = 4


@dataclass(frozen=True)
class LoadedModel:
    """A fine-tuned model in eval mode, its tokenizer and what it was trained on."""

    model_dir: Path
    model: Any
    tokenizer: Any
    run_info: RunInfo
    device: str
    max_position_embeddings: int | None


class ModelCache:
    """A thread-safe LRU of loaded models."""

    def __init__(self, capacity: int = MAX_CACHED_MODELS) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, int], LoadedModel] = OrderedDict()
        self._lock = threading.Lock()
        self.loads = 0

    def get(self, model_dir: Path, field: str) -> LoadedModel:
        """The completed run in ``model_dir``; loads it when not cached."""
        run_info = require_trained_run(model_dir, field)
        key = (str(model_dir), completion_stamp(model_dir))
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            loaded = _load(model_dir, run_info, field)
            self.loads += 1
            self._entries[key] = loaded
            while len(self._entries) > self.capacity:
                evicted, _ = self._entries.popitem(last=False)
                logger.info("model cache: evicted %s", evicted[0])
            return loaded

    def clear(self) -> None:
        """Forget every cached model."""
        with self._lock:
            self._entries.clear()


def _load(model_dir: Path, run_info: RunInfo, field: str) -> LoadedModel:
    from transformers import AutoModelForSequenceClassification

    from bert_activities.model_source import load_model_config

    config = load_model_config(str(model_dir), field)
    tokenizer = load_tokenizer(str(model_dir), field)
    device = inference_device()
    model = AutoModelForSequenceClassification.from_pretrained(str(model_dir), config=config)
    model.to(device)
    model.eval()
    limit = getattr(config, "max_position_embeddings", None)
    return LoadedModel(
        model_dir=model_dir,
        model=model,
        tokenizer=tokenizer,
        run_info=run_info,
        device=device,
        max_position_embeddings=limit if isinstance(limit, int) else None,
    )


MODEL_CACHE = ModelCache()
"""The process-wide cache used by ``predict`` and ``evaluate``."""
