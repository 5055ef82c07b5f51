"""No module of bert_workflows or bert_client imports the ML stack or a sibling it must not know.

Each check imports every submodule (``pkgutil.walk_packages``) in a fresh interpreter whose
``sys.meta_path`` refuses the forbidden modules, so new modules are covered automatically.
"""

from pathlib import Path

import pytest

from tests.boundaries.probe import ML_STACK, run_probe

PACKAGES = Path(__file__).resolve().parents[2] / "packages"


def test_bert_workflows_imports_without_ml_stack_or_activities() -> None:
    report = run_probe("bert_workflows", refuse=(*ML_STACK, "bert_activities"))
    assert not report.refused, report.explain()
    assert not report.errors, report.explain()
    assert not report.loaded_refused
    assert "bert_workflows" in report.imported


def test_workflow_worker_module_is_covered_when_present() -> None:
    worker = PACKAGES / "bert-workflows" / "src" / "bert_workflows" / "worker.py"
    if not worker.exists():
        pytest.skip(f"{worker} is not written yet")
    report = run_probe("bert_workflows", refuse=(*ML_STACK, "bert_activities"))
    assert "bert_workflows.worker" in report.imported, report.explain()


def test_bert_client_imports_without_ml_stack_workflows_or_activities() -> None:
    report = run_probe("bert_client", refuse=(*ML_STACK, "bert_workflows", "bert_activities"))
    assert not report.refused, report.explain()
    assert not report.errors, report.explain()
    assert not report.loaded_refused
    assert "bert_client" in report.imported


def test_bert_types_needs_nothing_but_pydantic() -> None:
    report = run_probe(
        "bert_types",
        refuse=(*ML_STACK, "bert_workflows", "bert_activities", "bert_client", "temporalio"),
    )
    assert not report.refused, report.explain()
    assert not report.errors, report.explain()


def test_probe_catches_a_module_level_import(tmp_path: Path) -> None:
    """The technique itself: a package with one offending submodule is reported, with its path."""
    package = tmp_path / "probe_victim"
    (package / "nested").mkdir(parents=True)
    (package / "__init__.py").write_text('"""Clean."""\n')
    (package / "nested" / "__init__.py").write_text("")
    (package / "nested" / "model.py").write_text("import transformers.modeling_utils\n")
    (package / "guarded.py").write_text(
        "try:\n    import torch\nexcept ImportError:\n    torch = None\n"
    )
    report = run_probe("probe_victim", refuse=ML_STACK, extra_env={"PYTHONPATH": str(tmp_path)})
    assert {item["module"] for item in report.refused} == {"transformers", "torch"}
    assert any("probe_victim/nested/model.py" in item["stack"] for item in report.refused)
    assert [item["module"] for item in report.errors] == ["probe_victim.nested.model"]
    assert "probe_victim.guarded" in report.imported
