"""Run ``import_probe.py`` in a fresh interpreter and explain its findings."""

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROBE = Path(__file__).with_name("import_probe.py")
ML_STACK = ("torch", "transformers", "datasets", "accelerate")


@dataclass(frozen=True)
class ProbeReport:
    """What one probe run found."""

    imported: list[str]
    errors: list[dict[str, str]]
    refused: list[dict[str, str]]
    loaded_refused: list[str]
    findable: dict[str, bool]

    def explain(self) -> str:
        """Human-readable account of the refused imports and import errors."""
        lines = [
            f"refused import of {item['module']} from:\n{item['stack']}" for item in self.refused
        ]
        lines += [f"could not import {item['module']}:\n{item['error']}" for item in self.errors]
        return "\n".join(lines) or "no refused imports and no import errors"


def run_probe(
    package: str,
    *,
    refuse: tuple[str, ...] = (),
    absent: tuple[str, ...] = (),
    python: str = sys.executable,
    extra_env: dict[str, str] | None = None,
) -> ProbeReport:
    """Import every module of ``package`` under ``python`` with ``refuse`` blocked."""
    import os

    env = {**os.environ, **(extra_env or {})}
    completed = subprocess.run(
        [python, str(PROBE), package, "--refuse", *refuse, "--absent", *absent],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    if completed.returncode != 0:
        raise AssertionError(
            f"import probe of {package} exited {completed.returncode}:\n{completed.stderr}"
        )
    data: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return ProbeReport(**data)
