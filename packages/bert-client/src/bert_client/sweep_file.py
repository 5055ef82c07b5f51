"""Sweep files: YAML or JSON whose content is a ``SweepConfig``, validated with line numbers."""

from pathlib import Path
from typing import Any

from bert_types import SweepConfig

from bert_client.experiment_file import read_document, validate_content


def parse_sweep(data: Any, file: Path, text: str | None = None) -> SweepConfig:
    """Validate parsed file content; ``text`` (the raw file) lets issues carry line numbers."""
    return validate_content(SweepConfig, data, file, text, expected="base_config and search_space")


def load_sweep(file: str | Path) -> SweepConfig:
    """Read and validate a sweep file (``.yaml``, ``.yml`` or ``.json``); nothing is started."""
    path = Path(file)
    data, text = read_document(path)
    return parse_sweep(data, path, text)
