"""Load a dataset from the hub or from local files into named splits, with typed input errors.

Local sources: a csv / tsv / jsonl / json / parquet file (one ``train`` split), a folder of split
files (``train.*``, ``validation.*`` / ``dev.*``, ``test.*``, any ``<split>.<ext>``), a
``save_to_disk`` folder, or a snapshot folder written by this package. Anything else is a hub id.
"""

import codecs
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bert_types.errors import (
    DATASET_DECODE,
    DATASET_NOT_FOUND,
    EMPTY_DATASET,
    SPLIT_NOT_FOUND,
)

from bert_activities.failures import DATASET_UNAVAILABLE, bad_input, transient
from bert_activities.snapshot_files import EVAL_FILE, METADATA_FILE, TRAIN_FILE

logger = logging.getLogger(__name__)

FILE_BUILDERS: dict[str, tuple[str, dict[str, str]]] = {
    ".csv": ("csv", {}),
    ".tsv": ("csv", {"delimiter": "\t"}),
    ".jsonl": ("json", {}),
    ".json": ("json", {}),
    ".parquet": ("parquet", {}),
}
"""File suffix -> (``datasets`` builder, builder options)."""

EVAL_SPLIT_NAMES = ("validation", "dev", "valid", "val", "eval")
"""Splits used for evaluation when none is named, in order of preference (``eval``: a snapshot)."""


@dataclass(frozen=True)
class LoadedSource:
    """A dataset's splits (``datasets.Dataset`` each) and the identity of where they came from."""

    splits: dict[str, Any]
    identity: str


def load_source(dataset_name: str, config_name: str | None = None) -> LoadedSource:
    """Load ``dataset_name``: a local file or folder when the path exists, else a hub dataset."""
    path = Path(dataset_name).expanduser()
    if path.exists():
        resolved = path.resolve()
        splits = _load_local(resolved)
        return LoadedSource(splits=splits, identity=f"local:{resolved}")
    if _looks_like_path(dataset_name):
        raise bad_input(
            DATASET_NOT_FOUND,
            f"dataset_name {dataset_name!r}: no such file or folder "
            f"(resolved to {path.resolve()}); "
            "give an existing csv/tsv/jsonl/parquet file, a folder of split files, a save_to_disk "
            "folder, or a Hugging Face hub id",
        )
    splits = _load_hub(dataset_name, config_name)
    suffix = f"/{config_name}" if config_name else ""
    return LoadedSource(splits=splits, identity=f"hub:{dataset_name}{suffix}")


def _looks_like_path(name: str) -> bool:
    return (
        name.startswith(("/", "./", "../", "~"))
        or Path(name).suffix.lower() in FILE_BUILDERS
        or "\\" in name
    )


def _load_hub(name: str, config_name: str | None) -> dict[str, Any]:
    from datasets import load_dataset
    from huggingface_hub import constants

    config_text = f" (config {config_name!r})" if config_name else ""
    try:
        loaded = load_dataset(name, config_name)
    except (FileNotFoundError, ValueError) as error:
        raise bad_input(
            DATASET_NOT_FOUND,
            f"dataset_name {name!r}{config_text} is not a local path and not a dataset on the "
            f"Hugging Face hub: {type(error).__name__}: {error}. Check the id and config, or give "
            "a local file instead",
        ) from error
    except Exception as error:
        if constants.HF_HUB_OFFLINE:
            raise bad_input(
                DATASET_NOT_FOUND,
                f"dataset_name {name!r}{config_text} is not a local path, and the Hugging Face "
                "hub is off (HF_HUB_OFFLINE=1 on this worker); give a local file or folder, or "
                "run the worker online",
            ) from error
        raise transient(
            DATASET_UNAVAILABLE,
            f"dataset_name {name!r}{config_text} could not be loaded from the Hugging Face hub "
            f"right now: {type(error).__name__}: {error}; retrying",
        ) from error
    return dict(loaded)


def _load_local(path: Path) -> dict[str, Any]:
    if path.is_file():
        return {"train": _load_file(path)}
    if (path / METADATA_FILE).is_file() and (path / TRAIN_FILE).is_file():
        return {"train": _load_file(path / TRAIN_FILE), "eval": _load_file(path / EVAL_FILE)}
    if (path / "dataset_dict.json").is_file() or (path / "state.json").is_file():
        return _load_saved(path)
    files = sorted(
        child
        for child in path.iterdir()
        if child.is_file() and child.suffix.lower() in FILE_BUILDERS
    )
    if not files:
        raise bad_input(
            DATASET_NOT_FOUND,
            f"dataset_name {str(path)!r} is a folder without data: expected split files such as "
            "train.jsonl / validation.csv / test.parquet, or a datasets save_to_disk folder",
        )
    splits: dict[str, Any] = {}
    for file in files:
        if file.stem in splits:
            raise bad_input(
                DATASET_NOT_FOUND,
                f"dataset folder {str(path)!r} has two files for split {file.stem!r}; keep one",
            )
        splits[file.stem] = _load_file(file)
    return splits


def _load_saved(path: Path) -> dict[str, Any]:
    from datasets import Dataset, DatasetDict, load_from_disk

    try:
        loaded = load_from_disk(str(path))
    except Exception as error:
        raise bad_input(
            DATASET_DECODE,
            f"dataset folder {str(path)!r} looks like a save_to_disk folder but cannot be read: "
            f"{type(error).__name__}: {error}. Save it again with Dataset.save_to_disk",
        ) from error
    if isinstance(loaded, DatasetDict):
        return dict(loaded)
    if isinstance(loaded, Dataset):
        return {"train": loaded}
    raise bad_input(DATASET_DECODE, f"{str(path)!r} holds {type(loaded).__name__}, not a dataset")


def _load_file(file: Path) -> Any:
    from datasets import load_dataset

    builder, options = FILE_BUILDERS.get(file.suffix.lower(), ("", {}))
    if not builder:
        raise bad_input(
            DATASET_NOT_FOUND,
            f"data file {str(file)!r} has an unsupported suffix; use one of "
            f"{', '.join(sorted(FILE_BUILDERS))}",
        )
    if file.stat().st_size == 0:
        raise bad_input(
            EMPTY_DATASET, f"data file {str(file)!r} is empty; it needs a header or rows of data"
        )
    lines = _check_utf8(file, builder)
    if lines is not None and lines <= (1 if builder == "csv" else 0):
        raise bad_input(
            EMPTY_DATASET,
            f"data file {str(file)!r} has no data rows; add rows below the header",
        )
    try:
        loaded = load_dataset(builder, data_files={"data": str(file)}, split="data", **options)
    except Exception as error:
        if "corresponds to no data" in str(error):
            raise bad_input(
                EMPTY_DATASET, f"data file {str(file)!r} has no data rows; add rows"
            ) from error
        cause = _root_cause(error)
        if not _is_parse_error(cause):
            raise transient(
                DATASET_UNAVAILABLE,
                f"data file {str(file)!r} could not be read: {type(cause).__name__}: {cause}; "
                "retrying",
            ) from error
        raise bad_input(
            DATASET_DECODE,
            f"data file {str(file)!r} cannot be parsed as {file.suffix.lstrip('.')}: "
            f"{type(cause).__name__}: {cause}. Fix the file (one JSON object per "
            "line for jsonl, a header row for csv/tsv) or convert it",
        ) from error
    return loaded


def _is_parse_error(cause: BaseException) -> bool:
    """Whether ``cause`` says the file's content is malformed (not a passing failure)."""
    from pyarrow.lib import ArrowException

    return isinstance(cause, ValueError | ArrowException)


def _check_utf8(file: Path, builder: str) -> int | None:
    """Raise ``DATASET_DECODE`` unless ``file`` is UTF-8; return its count of non-blank lines."""
    if builder == "parquet":
        return None
    decoder_position = 0
    lines = 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    with file.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += sum(1 for line in chunk.splitlines() if line.strip())
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise bad_input(
                    DATASET_DECODE,
                    f"data file {str(file)!r} is not UTF-8 (invalid byte at offset "
                    f"{decoder_position + error.start}); re-encode it as UTF-8, e.g. "
                    f"iconv -f latin1 -t utf-8",
                ) from error
            decoder_position += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise bad_input(
                DATASET_DECODE,
                f"data file {str(file)!r} is not UTF-8 (truncated character at the end); "
                "re-encode it as UTF-8",
            ) from error
    return lines


def _root_cause(error: BaseException) -> BaseException:
    seen: set[int] = set()
    while (error.__cause__ or error.__context__) is not None and id(error) not in seen:
        seen.add(id(error))
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return error


def require_split(source: LoadedSource, split: str, field: str) -> Any:
    """The split named ``split`` of ``source``; ``SPLIT_NOT_FOUND`` names the available ones."""
    if split not in source.splits:
        raise bad_input(
            SPLIT_NOT_FOUND,
            f"{field} {split!r} is not in dataset {source.identity}; available splits: "
            f"{', '.join(sorted(source.splits)) or 'none'}",
        )
    return source.splits[split]


def default_eval_split(source: LoadedSource, exclude: str | None = None) -> str | None:
    """The first of ``EVAL_SPLIT_NAMES`` present in ``source`` (other than ``exclude``)."""
    for name in EVAL_SPLIT_NAMES:
        if name in source.splits and name != exclude:
            return name
    return None


def select_rows(dataset: Any, max_rows: int | None, shuffle: bool, seed: int) -> Any:
    """At most ``max_rows`` rows; when rows are dropped and ``shuffle``, a seeded shuffle first."""
    if max_rows is None or max_rows >= len(dataset):
        return dataset
    if shuffle:
        dataset = dataset.shuffle(seed=seed)
    return dataset.select(range(max_rows))
