"""Measured outcomes of the fault suite, collected per test and written as one JSON file.

Set ``BERT_FAULT_REPORT=<file>`` to keep them; docs/RELIABILITY.md quotes such a run.
"""

import json
import os
from pathlib import Path
from typing import Any

ENV_REPORT_PATH = "BERT_FAULT_REPORT"


class FaultReport:
    """Figures per fault case (steps lost, seconds to recovery, RSS ...), in recording order."""

    def __init__(self) -> None:
        self.cases: dict[str, dict[str, Any]] = {}

    def record(self, case: str, **figures: Any) -> None:
        """Add (or extend) the figures of ``case``."""
        self.cases.setdefault(case, {}).update(figures)

    def write(self) -> Path | None:
        """Write the figures to ``$BERT_FAULT_REPORT`` when it is set; return that path."""
        target = os.environ.get(ENV_REPORT_PATH)
        if not target:
            return None
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.cases, indent=2, sort_keys=True, default=str) + "\n")
        return path
