"""How the training thread talks to its caller: progress, saved checkpoints, stop requests."""

import threading

from bert_types.checkpoint import CheckpointInfo, TrainingProgress


class TrainingReporter:
    """Receives progress from the training thread and tells it when to stop.

    The base class keeps the latest progress and the checkpoints seen, and stops when
    :meth:`request_stop` is called; the Temporal activity subclasses it to heartbeat and signal.
    Every method is safe to call from any thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop_reason: str | None = None
        self._latest: TrainingProgress | None = None
        self.checkpoints: list[CheckpointInfo] = []

    def progress(self, progress: TrainingProgress) -> None:
        """Called by the training thread after every step (cheap: keep it so)."""
        with self._lock:
            self._latest = progress

    def checkpoint_saved(self, checkpoint: CheckpointInfo) -> None:
        """Called by the training thread after a complete checkpoint is on disk."""
        with self._lock:
            self.checkpoints.append(checkpoint)

    def latest(self) -> TrainingProgress | None:
        """The most recent progress reported."""
        with self._lock:
            return self._latest

    def request_stop(self, reason: str) -> None:
        """Ask training to stop at the next step, saving a checkpoint first."""
        with self._lock:
            if self._stop_reason is None:
                self._stop_reason = reason

    def stop_reason(self) -> str | None:
        """Why training should stop, or ``None`` to keep going."""
        with self._lock:
            return self._stop_reason


class TrainingStopped(Exception):
    """Training stopped early on request; ``checkpoint`` is the newest one saved (if any)."""

    def __init__(self, reason: str, checkpoint: CheckpointInfo | None) -> None:
        where = f"checkpoint step {checkpoint.step}" if checkpoint else "no checkpoint"
        super().__init__(f"training stopped ({reason}); newest: {where}")
        self.reason = reason
        self.checkpoint = checkpoint
