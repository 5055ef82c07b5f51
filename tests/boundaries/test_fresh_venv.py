"""Installed from their built wheels alone, bert-workflows and bert-client work without torch.

Each package gets a new virtualenv holding only the workspace's wheels it needs plus its registry
dependencies (pinned to the versions in uv.lock, from the package index, never a local folder).
Every module is imported there, so an undeclared dependency fails as it would for a user.
"""

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.boundaries.probe import ML_STACK, run_probe
from tests.boundaries.uv_tools import REPO_ROOT, uv

SIBLINGS = ("bert_workflows", "bert_activities", "bert_client")


@dataclass(frozen=True)
class FreshCase:
    """A package to install alone, with what must stay out of its environment."""

    package: str
    absent_distributions: tuple[str, ...]

    @property
    def import_name(self) -> str:
        """The top-level module, e.g. ``bert_client``."""
        return self.package.replace("-", "_")


CASES = [
    FreshCase("bert-workflows", (*ML_STACK, "bert-activities", "bert-client")),
    FreshCase("bert-client", (*ML_STACK, "bert-workflows", "bert-activities")),
]


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Wheels of every workspace member, built from the working tree."""
    out = tmp_path_factory.mktemp("wheels")
    uv("build", "--all-packages", "--wheel", "--out-dir", str(out), "--no-create-gitignore")
    built = {path.name.split("-")[0].replace("_", "-"): path for path in out.glob("*.whl")}
    assert set(built) >= {"bert-types", "bert-workflows", "bert-client"}, built
    return built


@pytest.fixture(scope="module")
def fresh_python(
    wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[FreshCase], Path]:
    """The python of a fresh venv per case, made on first use and shared by the module's tests."""
    made: dict[str, Path] = {}

    def make(case: FreshCase) -> Path:
        if case.package not in made:
            made[case.package] = _fresh_venv(case, wheels, tmp_path_factory.mktemp(case.package))
        return made[case.package]

    return make


def _fresh_venv(case: FreshCase, wheels: dict[str, Path], root: Path) -> Path:
    """A new venv with ``case.package`` and bert-types from wheels; returns its python."""
    constraints = root / "constraints.txt"
    uv(
        "export",
        "--frozen",
        "--no-dev",
        "--no-hashes",
        "--no-emit-workspace",
        "--package",
        case.package,
        "--output-file",
        str(constraints),
    )
    venv = root / "venv"
    uv("venv", "--quiet", "--python", sys.executable, str(venv))
    python = venv / "bin" / "python"
    uv(
        "pip",
        "install",
        "--quiet",
        "--python",
        str(python),
        "--no-config",
        *(f"--refresh-package={name}" for name in ("bert-types", *(c.package for c in CASES))),
        "--constraints",
        str(constraints),
        str(wheels["bert-types"]),
        str(wheels[case.package]),
        cwd=root,
    )
    return python


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.package)
def test_package_works_from_its_wheel_without_torch(
    case: FreshCase, fresh_python: Callable[[FreshCase], Path]
) -> None:
    python = fresh_python(case)
    listed = json.loads(uv("pip", "list", "--python", str(python), "--format", "json"))
    installed = {entry["name"].lower() for entry in listed}
    assert {"bert-types", case.package, "pydantic", "temporalio"} <= installed
    found = sorted(installed & set(case.absent_distributions))
    assert not found, f"installing the {case.package} wheel pulled in {found}"

    absent_modules = (*ML_STACK, *(name for name in SIBLINGS if name != case.import_name))
    report = run_probe(case.import_name, absent=absent_modules, python=str(python))
    assert not any(report.findable.values()), report.findable
    assert not report.errors, report.explain()
    assert not report.refused
    source = REPO_ROOT / "packages" / case.package / "src" / case.import_name
    expected = {
        ".".join((case.import_name, *path.relative_to(source).with_suffix("").parts))
        for path in source.rglob("*.py")
    }
    expected = {name.removesuffix(".__init__") for name in expected} - {
        f"{case.import_name}.__main__"
    }
    missing = expected - set(report.imported)
    assert not missing, (
        f"modules of the source tree not importable from the wheel: {sorted(missing)}"
    )


def test_bert_cli_runs_from_a_fresh_client_install(
    fresh_python: Callable[[FreshCase], Path],
) -> None:
    cli = REPO_ROOT / "packages" / "bert-client" / "src" / "bert_client" / "cli"
    if not (cli.with_suffix(".py").exists() or (cli / "__init__.py").exists()):
        pytest.skip(f"the bert CLI ({cli}) is not written yet")
    python = fresh_python(CASES[1])
    completed = subprocess.run(
        [str(python.parent / "bert"), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Usage" in completed.stdout
