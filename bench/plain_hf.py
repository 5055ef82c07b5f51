"""The plain Hugging Face side: what a user would write in one Python process without bert-parallel.

``plain_fine_tune`` loads the JSONL with ``datasets``, takes a seeded sample, tokenises, trains with
``Trainer`` (same steps, batch size and checkpoint interval as the system side), saves the model and
evaluates it in memory. ``plain_pipeline_inference`` is ``transformers.pipeline``.
"""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import stopwatch


@dataclass(frozen=True)
class PlainTrainSettings:
    """One plain fine-tune + eval; mirrors the fields of ``BertFineTuneConfig`` it needs."""

    model_dir: Path
    data_dir: Path
    output_dir: Path
    text_field: str = "sentence"
    label_field: str = "label"
    max_train_samples: int | None = 1000
    max_eval_samples: int | None = None
    num_epochs: float = 1.0
    max_steps: int | None = None
    batch_size: int = 16
    eval_batch_size: int = 64
    learning_rate: float = 2e-5
    max_seq_length: int = 64
    checkpoint_steps: int | None = None
    save_total_limit: int = 2
    logging_steps: int = 10
    seed: int = 42
    warmup_ratio: float = 0.0
    weight_decay: float = 0.0
    save_model: bool = True
    evaluate: bool = True


def warm_dataset_cache(data_dir: Path) -> None:
    """Load ``data_dir``'s JSONL once so the ``datasets`` cache is warm, as the workers' is."""
    from datasets import load_dataset

    load_dataset(
        "json",
        data_files={
            "train": str(data_dir / "train.jsonl"),
            "validation": str(data_dir / "validation.jsonl"),
        },
    )


def _sample(dataset: Any, limit: int | None, seed: int) -> Any:
    if limit is None or limit >= len(dataset):
        return dataset
    return dataset.shuffle(seed=seed).select(range(limit))


def plain_fine_tune(settings: PlainTrainSettings) -> dict[str, Any]:
    """Fine-tune and evaluate in this process; return the seconds of each phase and the outcome."""
    import numpy as np
    from datasets import load_dataset
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    with stopwatch(seconds, "load_data_s"):
        files = {
            "train": str(settings.data_dir / "train.jsonl"),
            "validation": str(settings.data_dir / "validation.jsonl"),
        }
        raw = load_dataset("json", data_files=files)
        train = _sample(raw["train"], settings.max_train_samples, settings.seed)
        evaluation = _sample(raw["validation"], settings.max_eval_samples, settings.seed)
    with stopwatch(seconds, "model_load_s"):
        set_seed(settings.seed)
        tokenizer = AutoTokenizer.from_pretrained(settings.model_dir)
        num_labels = len(set(train[settings.label_field]))
        model = AutoModelForSequenceClassification.from_pretrained(
            settings.model_dir, num_labels=num_labels
        )
    with stopwatch(seconds, "tokenize_s"):

        def encode(batch: dict[str, list[Any]]) -> Any:
            return tokenizer(
                batch[settings.text_field], truncation=True, max_length=settings.max_seq_length
            )

        train = train.map(encode, batched=True).rename_column(settings.label_field, "labels")
        evaluation = evaluation.map(encode, batched=True).rename_column(
            settings.label_field, "labels"
        )
    args = TrainingArguments(
        output_dir=str(settings.output_dir),
        num_train_epochs=settings.num_epochs,
        max_steps=settings.max_steps or -1,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=settings.eval_batch_size,
        learning_rate=settings.learning_rate,
        warmup_steps=settings.warmup_ratio,
        weight_decay=settings.weight_decay,
        seed=settings.seed,
        logging_steps=settings.logging_steps,
        save_strategy="steps" if settings.checkpoint_steps else "no",
        save_steps=settings.checkpoint_steps or 500,
        save_total_limit=settings.save_total_limit,
        eval_strategy="no",
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
    )
    trainer = Trainer(model=model, args=args, train_dataset=train, processing_class=tokenizer)
    with stopwatch(seconds, "train_s"):
        output = trainer.train()
    if settings.save_model:
        with stopwatch(seconds, "save_s"):
            trainer.save_model(str(settings.output_dir))
    accuracy = None
    if settings.evaluate:
        with stopwatch(seconds, "eval_s"):
            prediction = trainer.predict(evaluation)
            predicted = np.asarray(prediction.predictions).argmax(axis=-1)
            accuracy = float((predicted == np.asarray(evaluation["labels"])).mean())
    seconds["total_s"] = time.perf_counter() - start
    return {
        **{key: round(value, 3) for key, value in seconds.items()},
        "trainer_train_runtime_s": round(float(output.metrics["train_runtime"]), 3),
        "global_step": int(output.global_step),
        "train_loss": round(float(output.training_loss), 4),
        "num_train_samples": len(train),
        "num_eval_samples": len(evaluation),
        "accuracy": accuracy,
        "checkpoints": sorted(p.name for p in settings.output_dir.glob("checkpoint-*")),
    }


def plain_pipeline_inference(
    model_dir: Path, texts: list[str], batch_size: int, max_seq_length: int | None
) -> dict[str, Any]:
    """Classify ``texts`` with ``transformers.pipeline('text-classification')`` on CPU, timed."""
    from transformers import pipeline

    load_start = time.perf_counter()
    classifier = pipeline("text-classification", model=str(model_dir), device="cpu")
    load_s = time.perf_counter() - load_start
    tokenizer_kwargs: dict[str, Any] = {"truncation": True}
    if max_seq_length is not None:
        tokenizer_kwargs["max_length"] = max_seq_length
    start = time.perf_counter()
    outputs = classifier(texts, batch_size=batch_size, **tokenizer_kwargs)
    seconds = time.perf_counter() - start
    return {
        "load_s": round(load_s, 3),
        "predict_s": round(seconds, 3),
        "samples_per_s": round(len(texts) / seconds, 1),
        "labels": [str(item["label"]) for item in outputs],
    }
