"""Child process of the resume test: fine-tune a request, logging every step and checkpoint.

``python -m tests.activities.resume_child REQUEST_JSON LOG_JSONL [SECONDS_PER_STEP]``. Each line of
the log is ``{"step": n}`` or ``{"checkpoint": n}`` (written after the save) or ``{"result": ...}``.
"""

import json
import sys
import time
from pathlib import Path

from bert_activities.training import fine_tune
from bert_activities.training_reporter import TrainingReporter
from bert_types import BertFineTuneRequest, CheckpointInfo, TrainingProgress


class LoggingReporter(TrainingReporter):
    """Appends steps and checkpoints to a JSONL file; optionally slows every step down."""

    def __init__(self, log: Path, seconds_per_step: float) -> None:
        super().__init__()
        self._log = log.open("a", encoding="utf-8")
        self._delay = seconds_per_step
        self._last_step = -1

    def _write(self, entry: dict[str, object]) -> None:
        self._log.write(json.dumps(entry) + "\n")
        self._log.flush()

    def progress(self, progress: TrainingProgress) -> None:
        super().progress(progress)
        if progress.phase == "training" and progress.step != self._last_step:
            self._last_step = progress.step
            self._write({"step": progress.step})
            time.sleep(self._delay)

    def checkpoint_saved(self, checkpoint: CheckpointInfo) -> None:
        super().checkpoint_saved(checkpoint)
        self._write({"checkpoint": checkpoint.step})


def main() -> None:
    request = BertFineTuneRequest.model_validate_json(Path(sys.argv[1]).read_text())
    reporter = LoggingReporter(Path(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0)
    result = fine_tune(request, reporter)
    reporter._write({"result": result.model_dump(mode="json")})


if __name__ == "__main__":
    main()
