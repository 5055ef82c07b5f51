"""The demo dataset: BBC News written as a deterministic, stratified train/validation split."""

import json
from collections import Counter
from pathlib import Path

from bert_client.demo import DEMO_CONFIGS, bbc_news, demo_experiment, write_demo_dataset

CATEGORIES = ["business", "entertainment", "politics", "sports", "tech"]


def _rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_bbc_news_labels_are_category_names() -> None:
    texts, labels = bbc_news()
    assert len(texts) == len(labels) == 2225
    assert sorted(set(labels)) == CATEGORIES
    # the category of an article is recognisable from its text: spot-check the corpus mapping
    football = [label for text, label in zip(texts, labels, strict=True) if "Premiership" in text]
    assert Counter(football).most_common(1)[0][0] == "sports"


def test_split_is_deterministic_stratified_and_complete(tmp_path: Path) -> None:
    first = write_demo_dataset(tmp_path / "a")
    second = write_demo_dataset(tmp_path / "b")
    for split in ("train", "validation"):
        assert (first.folder / f"{split}.jsonl").read_bytes() == (
            second.folder / f"{split}.jsonl"
        ).read_bytes()
    train = _rows(first.folder / "train.jsonl")
    validation = _rows(first.folder / "validation.jsonl")
    assert (first.num_train, first.num_validation) == (len(train), len(validation))
    texts, _ = bbc_news()
    assert len(train) + len(validation) == len({text.strip() for text in texts}) > 2000
    assert first.label_names == CATEGORIES
    shares = Counter(row["label"] for row in validation)
    totals = Counter(row["label"] for row in train + validation)
    for label in CATEGORIES:
        assert abs(shares[label] / totals[label] - 0.2) < 0.01
    assert not {row["text"] for row in validation} & {row["text"] for row in train}


def test_demo_experiment_has_three_minilm_configs(tmp_path: Path) -> None:
    experiment = demo_experiment(tmp_path, "/models/minilm")
    assert len(experiment.configs) == len(DEMO_CONFIGS) == 3
    tunings = {
        (entry.fine_tune.learning_rate, entry.fine_tune.max_seq_length)
        for entry in experiment.configs
    }
    assert len(tunings) == 3
    assert all(entry.fine_tune.model_name == "/models/minilm" for entry in experiment.configs)
    assert all(entry.fine_tune.dataset_name == str(tmp_path) for entry in experiment.configs)
