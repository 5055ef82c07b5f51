"""The locked dependency closures keep torch and friends where DESIGN.md puts them."""

import tomllib

import pytest
from packaging.requirements import Requirement

from tests.boundaries.probe import ML_STACK
from tests.boundaries.uv_tools import REPO_ROOT, locked_closure, uv

TORCH_FREE = ("bert-types", "bert-workflows", "bert-client")


def test_lock_is_current() -> None:
    """Adding a dependency without ``uv lock`` fails here before anything else can pass."""
    uv("lock", "--check")


@pytest.mark.parametrize("package", TORCH_FREE)
def test_closure_has_no_ml_stack(package: str) -> None:
    closure = locked_closure(package)
    found = sorted(closure & set(ML_STACK))
    assert not found, f"{package} pulls in {found} through uv.lock; only bert-activities may"


def test_client_closure_has_no_workflows_or_activities() -> None:
    closure = locked_closure("bert-client")
    found = sorted(closure & {"bert-workflows", "bert-activities"})
    assert not found, f"bert-client depends on {found}; it must talk to them only through Temporal"


def test_workflows_closure_has_no_activities() -> None:
    assert "bert-activities" not in locked_closure("bert-workflows")


def test_activities_closure_has_the_ml_stack() -> None:
    """The other side of the boundary (and proof that the tree is read correctly)."""
    assert set(ML_STACK) | {"bert-types", "temporalio"} <= locked_closure("bert-activities")


@pytest.mark.parametrize("package", ["bert-workflows", "bert-activities", "bert-client"])
def test_members_pin_a_compatible_bert_types(package: str) -> None:
    """Published packages ask for bert-types of the same minor series, from the workspace."""
    pyproject = tomllib.loads((REPO_ROOT / "packages" / package / "pyproject.toml").read_text())
    requirements = {
        Requirement(text).name: Requirement(text) for text in pyproject["project"]["dependencies"]
    }
    types_version = tomllib.loads(
        (REPO_ROOT / "packages" / "bert-types" / "pyproject.toml").read_text()
    )["project"]["version"]
    specifier = requirements["bert-types"].specifier
    assert specifier.contains(types_version), f"{package} excludes bert-types {types_version}"
    assert any(spec.operator == "<" for spec in specifier), (
        f"{package}: give bert-types an upper bound"
    )
    assert pyproject["tool"]["uv"]["sources"]["bert-types"] == {"workspace": True}
