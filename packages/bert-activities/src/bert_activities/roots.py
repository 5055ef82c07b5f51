"""Where snapshots and runs live: request roots, environment defaults, run model folders.

A request's ``snapshot_root`` / ``artifact_root`` wins when it differs from the built-in default
(``data_snapshots`` / ``bert_runs``); when it is left at the default, the worker's environment
(``BERT_SNAPSHOT_ROOT`` / ``BERT_ARTIFACT_ROOT``) may move it. Relative paths resolve against the
worker's current directory.
"""

import os
from pathlib import Path

from bert_types.errors import INVALID_CONFIG
from bert_types.names import (
    DEFAULT_ARTIFACT_ROOT,
    DEFAULT_SNAPSHOT_ROOT,
    ENV_ARTIFACT_ROOT,
    ENV_SNAPSHOT_ROOT,
)

from bert_activities.failures import bad_input


def _resolve_root(requested: str, default: str, env_name: str) -> Path:
    chosen = requested
    if requested == default:
        chosen = os.environ.get(env_name) or default
    return Path(chosen).expanduser().resolve()


def snapshot_root(requested: str = DEFAULT_SNAPSHOT_ROOT) -> Path:
    """The absolute snapshot root for a request's ``snapshot_root``."""
    return _resolve_root(requested, DEFAULT_SNAPSHOT_ROOT, ENV_SNAPSHOT_ROOT)


def artifact_root(requested: str = DEFAULT_ARTIFACT_ROOT) -> Path:
    """The absolute artifact (runs) root for a request's ``artifact_root``."""
    return _resolve_root(requested, DEFAULT_ARTIFACT_ROOT, ENV_ARTIFACT_ROOT)


def run_output_dir(output_dir: str, run_id: str) -> Path:
    """The absolute run folder of a fine-tune request.

    ``output_dir`` is normally ``<artifact_root>/<run_id>``; when it is exactly
    ``bert_runs/<run_id>`` (the default root) ``BERT_ARTIFACT_ROOT`` moves it like any default root.
    """
    path = Path(output_dir)
    if path.parts == (DEFAULT_ARTIFACT_ROOT, run_id):
        return artifact_root() / run_id
    return path.expanduser().resolve()


def resolve_model_dir(
    run_id: str | None, model_path: str | None, requested_artifact_root: str = DEFAULT_ARTIFACT_ROOT
) -> Path:
    """The model folder of a run: ``model_path`` when given, else ``<artifact_root>/<run_id>``.

    Eval and inference both use this, so they agree on where a run lives.
    """
    if model_path is not None:
        path = Path(model_path)
        if path.parts and path.parts[0] == DEFAULT_ARTIFACT_ROOT and not path.is_absolute():
            return artifact_root() / Path(*path.parts[1:])
        return path.expanduser().resolve()
    if run_id is None:
        raise bad_input(INVALID_CONFIG, "give run_id or model_path to locate the fine-tuned model")
    return artifact_root(requested_artifact_root) / run_id
