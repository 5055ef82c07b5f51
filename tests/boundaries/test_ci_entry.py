"""``.ci/run`` runs exactly the test command the README gives, and fails on any failure."""

import os

import pytest

from tests.boundaries.uv_tools import REPO_ROOT

CI_RUN = REPO_ROOT / ".ci" / "run"
TEST_COMMAND = "uvx nox -s tests"


def _commands(script: str) -> list[str]:
    """The script's command lines, without comments, blank lines and shell structure."""
    return [
        line.strip()
        for line in script.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_ci_run_is_strict_and_executable() -> None:
    commands = _commands(CI_RUN.read_text())
    assert commands[0] == "set -euo pipefail"
    assert os.access(CI_RUN, os.X_OK), f"chmod +x {CI_RUN}"


def test_ci_run_ends_with_the_readme_test_command() -> None:
    readme = REPO_ROOT / "README.md"
    if not readme.exists():
        pytest.fail("README.md is missing: it must give the test command that .ci/run runs")
    assert TEST_COMMAND in readme.read_text(), f"README.md must give the command {TEST_COMMAND}"
    assert _commands(CI_RUN.read_text())[-1] == TEST_COMMAND
