"""Finding the newest complete checkpoint of a run, and checking it fits the run.

A checkpoint is complete when its folder holds ``trainer_state.json`` (the Trainer writes it
after the weights, optimizer and scheduler) and the model weights. Candidates come from the
request, the previous attempt's heartbeat and the ``checkpoint-<step>`` folders on disk; the one
with the highest step wins, whatever its source.
"""

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bert_types.checkpoint import CheckpointInfo
from bert_types.errors import CHECKPOINT_MISMATCH

from bert_activities.failures import bad_input

logger = logging.getLogger(__name__)

CHECKPOINT_PATTERN = re.compile(r"checkpoint-(\d+)")
TRAINER_STATE_FILE = "trainer_state.json"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")


@dataclass(frozen=True)
class ResumePoint:
    """A complete checkpoint to resume from."""

    step: int
    path: Path
    epoch: float
    source: str


def complete_checkpoint(path: Path) -> ResumePoint | None:
    """The checkpoint at ``path`` if it is complete, else ``None`` (with a warning)."""
    if not path.is_dir():
        return None
    if not any((path / name).is_file() for name in WEIGHT_FILES):
        logger.warning("skipping checkpoint %s: no model weights (interrupted save?)", path)
        return None
    try:
        state = json.loads((path / TRAINER_STATE_FILE).read_text("utf-8"))
        step = int(state["global_step"])
        epoch = float(state.get("epoch") or 0.0)
    except (OSError, ValueError, KeyError, TypeError):
        logger.warning("skipping checkpoint %s: no readable %s", path, TRAINER_STATE_FILE)
        return None
    return ResumePoint(step=step, path=path.resolve(), epoch=epoch, source="disk")


def disk_checkpoints(run_dir: Path) -> list[Path]:
    """The ``checkpoint-<step>`` folders of ``run_dir``, oldest step first."""
    if not run_dir.is_dir():
        return []
    found = [
        (int(match.group(1)), child)
        for child in run_dir.iterdir()
        if (match := CHECKPOINT_PATTERN.fullmatch(child.name)) and child.is_dir()
    ]
    return [path for _, path in sorted(found)]


def newest_checkpoint(
    run_dir: Path, known: Iterable[tuple[str, CheckpointInfo | None]]
) -> ResumePoint | None:
    """The complete checkpoint with the highest step among ``known`` ones and those on disk."""
    candidates: list[tuple[str, Path]] = [("disk", path) for path in disk_checkpoints(run_dir)]
    for source, info in known:
        if info is None:
            continue
        path = Path(info.path)
        if not path.is_absolute():
            path = (run_dir / path) if (run_dir / path).exists() else path.resolve()
        candidates.append((source, path))
    best: ResumePoint | None = None
    for source, path in candidates:
        point = complete_checkpoint(path)
        if point is None:
            if source != "disk":
                logger.warning("%s checkpoint %s is missing or incomplete: ignored", source, path)
            continue
        if best is None or point.step > best.step:
            best = ResumePoint(point.step, point.path, point.epoch, source)
    return best


def check_checkpoint_fits(point: ResumePoint, num_labels: int, model_type: str | None) -> None:
    """Raise ``CHECKPOINT_MISMATCH`` when the checkpoint's head or model differs from the run's."""
    try:
        config = json.loads((point.path / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return
    labels = config.get("id2label")
    checkpoint_labels = len(labels) if isinstance(labels, dict) else config.get("num_labels")
    if checkpoint_labels is not None and int(checkpoint_labels) != num_labels:
        raise bad_input(
            CHECKPOINT_MISMATCH,
            f"checkpoint {str(point.path)!r} has {checkpoint_labels} labels but this run needs "
            f"{num_labels}; use a new run_id / output_dir for a different dataset, or delete the "
            "old checkpoints",
        )
    checkpoint_type = config.get("model_type")
    if model_type is not None and checkpoint_type is not None and checkpoint_type != model_type:
        raise bad_input(
            CHECKPOINT_MISMATCH,
            f"checkpoint {str(point.path)!r} is a {checkpoint_type!r} model but this run trains "
            f"{model_type!r}; use a new run_id / output_dir or delete the old checkpoints",
        )
