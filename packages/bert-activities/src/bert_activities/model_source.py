"""Loading a base model's config and tokenizer from a local folder or hub id, with typed errors."""

from pathlib import Path
from typing import Any

from bert_types.errors import INVALID_CONFIG, MODEL_NOT_FOUND

from bert_activities.failures import bad_input


def resolve_model_source(model_name: str) -> str:
    """A local model folder (absolute path) or a hub id; ``MODEL_NOT_FOUND`` for bad paths."""
    path = Path(model_name).expanduser()
    if path.exists():
        if not path.is_dir() or not (path / "config.json").is_file():
            raise bad_input(
                MODEL_NOT_FOUND,
                f"model_name {model_name!r} is not a model folder (no config.json in "
                f"{path.resolve()}); give a folder saved with save_pretrained or a hub id",
            )
        return str(path.resolve())
    if model_name.startswith(("/", "./", "../", "~")) or model_name.count("/") > 1:
        raise bad_input(
            MODEL_NOT_FOUND,
            f"model_name {model_name!r}: no such folder (resolved to {path.resolve()}); give an "
            "existing model folder or a Hugging Face hub id",
        )
    return model_name


def load_model_config(source: str, field: str, **overrides: Any) -> Any:
    """The model's ``PretrainedConfig`` with ``overrides`` applied."""
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(source, **overrides)
    except Exception as error:
        raise bad_input(
            MODEL_NOT_FOUND,
            f"{field} {source!r} could not be loaded as a model ({type(error).__name__}: "
            f"{error}); check the path or hub id (the hub is unreachable offline)",
        ) from error


def load_tokenizer(source: str, field: str) -> Any:
    """The model's tokenizer."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(source)
    except Exception as error:
        raise bad_input(
            MODEL_NOT_FOUND,
            f"{field} {source!r} has no usable tokenizer ({type(error).__name__}: {error}); "
            "save the tokenizer next to the model",
        ) from error


def check_sequence_length(max_seq_length: int, model_config: Any, field: str) -> None:
    """``INVALID_CONFIG`` when ``max_seq_length`` exceeds the model's position embeddings."""
    limit = getattr(model_config, "max_position_embeddings", None)
    if isinstance(limit, int) and max_seq_length > limit:
        raise bad_input(
            INVALID_CONFIG,
            f"{field}={max_seq_length} is above the model's max_position_embeddings={limit}; "
            f"set {field} to at most {limit}",
        )
