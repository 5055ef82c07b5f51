"""Run ``uv`` from the tests, with a clear failure when it is missing."""

import os
import re
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
_TREE_LINE = re.compile(r"^[\s│├└─]*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])? v\S+")


def uv(*arguments: str, cwd: Path = REPO_ROOT, timeout: float = 300) -> str:
    """Run ``uv ARGUMENTS`` and return its stdout; raise with stderr when it fails."""
    executable = shutil.which("uv")
    if executable is None:
        raise AssertionError("uv is not on PATH: install it with 'pip install uv'")
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    completed = subprocess.run(
        [executable, *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if completed.returncode != 0:
        raise AssertionError(
            f"uv {' '.join(arguments)} exited {completed.returncode}:\n{completed.stderr}"
        )
    return completed.stdout


def locked_closure(package: str) -> set[str]:
    """Names of every distribution in ``package``'s locked dependency closure (all platforms)."""
    tree = uv("tree", "--frozen", "--universal", "--no-dev", "--no-dedupe", "--package", package)
    names = {match.group(1).lower() for match in map(_TREE_LINE.match, tree.splitlines()) if match}
    if package not in names:
        raise AssertionError(f"uv tree printed no tree for {package}:\n{tree}")
    return names - {package}
