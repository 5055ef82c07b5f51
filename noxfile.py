"""Developer sessions: lint, typecheck, tests, build, bench. Every session installs from uv.lock.

Run with ``uvx nox -s tests`` (posargs go to pytest: ``uvx nox -s tests -- -k snapshot``).
"""

import os
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "typecheck", "tests", "build"]

ROOT = Path(__file__).parent
PACKAGES = ("bert-types", "bert-workflows", "bert-activities", "bert-client")
IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [info.name for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
for name in names:
    importlib.import_module(name)
print(package.__name__, "and", len(names), "submodules import from the wheel")
"""


def _sync(session: nox.Session) -> None:
    """Install the locked workspace (all members + dev group) into the session's venv."""
    session.run_install(
        "uv",
        "sync",
        "--frozen",
        "--inexact",
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole repository."""
    _sync(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over every package's sources."""
    _sync(session)
    session.run("mypy", *(f"packages/{name}/src" for name in PACKAGES))


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite against a real Temporal dev server; posargs go to pytest."""
    _sync(session)
    session.run("pytest", *session.posargs, env={"HF_HUB_OFFLINE": "1"})


def _wheel(session: nox.Session, dist: Path, package: str) -> str:
    """The one wheel of ``package`` in ``dist``."""
    wheels = sorted(dist.glob(f"{package.replace('-', '_')}-*.whl"))
    if len(wheels) != 1:
        session.error(f"expected one wheel of {package} in {dist}, found {wheels}")
    return str(wheels[0])


@nox.session
def build(session: nox.Session) -> None:
    """Build every wheel, then install each one alone into a clean venv and import every module.

    Each venv gets the package's wheel, the bert-types wheel and the registry dependencies at the
    versions pinned in uv.lock (uv's cache is refreshed for workspace packages: their version
    stays 0.1.0 while their content changes).
    """
    dist = ROOT / "dist"
    session.run("uv", "build", "--all-packages", "--out-dir", str(dist), "--clear", external=True)
    tmp = Path(session.create_tmp())
    for name in PACKAGES:
        import_name = name.replace("-", "_")
        wheels = [_wheel(session, dist, member) for member in dict.fromkeys(("bert-types", name))]
        constraints = tmp / f"constraints-{name}.txt"
        session.run(
            "uv",
            "export",
            "--quiet",
            "--frozen",
            "--no-dev",
            "--no-hashes",
            "--no-emit-workspace",
            "--package",
            name,
            "--output-file",
            str(constraints),
            external=True,
        )
        venv = tmp / f"venv-{name}"
        session.run("uv", "venv", "--quiet", "--clear", str(venv), external=True)
        python = str(venv / "bin" / "python")
        session.run(
            "uv",
            "pip",
            "install",
            "--quiet",
            "--python",
            python,
            "--constraints",
            str(constraints),
            *(f"--refresh-package={member}" for member in PACKAGES),
            *wheels,
            external=True,
        )
        session.run(python, "-c", IMPORT_EVERY_MODULE, import_name, external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks side by side with plain Hugging Face; writes bench/results/*.json."""
    _sync(session)
    session.run(
        "python",
        "bench/run_all.py",
        *session.posargs,
        env={"HF_HUB_OFFLINE": "1", "PYTHONPATH": os.fspath(ROOT)},
    )
