"""The on-disk layout of a dataset snapshot and reading it back.

``<snapshot_root>/<snapshot_id>/train.jsonl``, ``eval.jsonl`` (one canonical JSON object per
line) and ``metadata.json`` (written last: a snapshot without valid metadata is incomplete).
"""

import json
from pathlib import Path
from typing import Any

from bert_types.errors import DATASET_DECODE, DATASET_NOT_FOUND

from bert_activities.failures import bad_input

TRAIN_FILE = "train.jsonl"
EVAL_FILE = "eval.jsonl"
METADATA_FILE = "metadata.json"
SNAPSHOT_FORMAT_VERSION = 1


def canonical_json(row: dict[str, Any]) -> str:
    """One row as canonical JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(
        row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def read_metadata(snapshot_dir: Path) -> dict[str, Any] | None:
    """The snapshot's metadata when the snapshot is complete and intact, else ``None``."""
    try:
        metadata: dict[str, Any] = json.loads((snapshot_dir / METADATA_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(metadata, dict) or metadata.get("format_version") != SNAPSHOT_FORMAT_VERSION:
        return None
    for name, size in metadata.get("file_sizes", {}).items():
        file = snapshot_dir / name
        if not file.is_file() or file.stat().st_size != size:
            return None
    return metadata


def require_metadata(snapshot_dir: Path) -> dict[str, Any]:
    """The metadata of a complete snapshot; ``DATASET_NOT_FOUND`` when missing or incomplete."""
    metadata = read_metadata(snapshot_dir)
    if metadata is None:
        raise bad_input(
            DATASET_NOT_FOUND,
            f"snapshot folder {str(snapshot_dir)!r} is missing or incomplete (no valid "
            f"{METADATA_FILE}); create it with the create_dataset_snapshot activity",
        )
    return metadata


def read_rows(file: Path) -> list[dict[str, Any]]:
    """All rows of a snapshot JSONL file."""
    rows: list[dict[str, Any]] = []
    try:
        with file.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    rows.append(json.loads(line))
    except FileNotFoundError as error:
        raise bad_input(
            DATASET_NOT_FOUND, f"snapshot file {str(file)!r} is missing; recreate the snapshot"
        ) from error
    except (UnicodeDecodeError, ValueError) as error:
        raise bad_input(
            DATASET_DECODE,
            f"snapshot file {str(file)!r} is corrupt ({error}); delete the snapshot folder and "
            "create it again",
        ) from error
    return rows
