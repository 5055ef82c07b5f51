"""Import the ML libraries once, before a worker takes tasks.

``transformers`` resolves its classes lazily on first use, and that lazy import is not safe when
several activity threads do it at once (seen: ``cannot import name 'AutoTokenizer'``); the
progress bars of ``datasets`` race too (``'tqdm' object has no attribute '_lock'``). Workers call
:func:`preload_ml_stack` before polling so every activity finds the libraries loaded.
"""


def preload_ml_stack() -> None:
    """Import torch, transformers and datasets, and turn off their progress bars."""
    import datasets
    import torch
    import transformers
    from transformers import (
        AutoConfig,
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    del torch, AutoConfig, AutoModelForSequenceClassification, AutoTokenizer
    del DataCollatorWithPadding, Trainer, TrainerCallback, TrainingArguments
