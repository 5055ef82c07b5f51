"""Recorded histories (tests/workflows/histories/*.json) still replay with today's workflow code.

A workflow change that alters what is scheduled, or in what order, without ``workflow.patched``
breaks replay of these histories and fails this test. Re-record deliberately with
``BERT_RECORD_HISTORIES=1 pytest tests/workflows/test_fleets_e2e.py``.
"""

from pathlib import Path

import pytest
from bert_workflows.registry import ALL_WORKFLOWS
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_recorded_histories_cover_every_workflow_kind() -> None:
    kinds = {
        history_of(path).events[0].workflow_execution_started_event_attributes.workflow_type.name
        for path in HISTORIES
    }
    assert {"CoordinatorWorkflow", "CheckpointedBertTrainingWorkflow", "BertEvalWorkflow"} <= kinds


def history_of(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem.replace("--", "/"), path.read_text())


@pytest.mark.parametrize("path", HISTORIES, ids=[path.stem for path in HISTORIES])
async def test_recorded_history_replays(path: Path) -> None:
    replayer = Replayer(workflows=list(ALL_WORKFLOWS), data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history_of(path), raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure!r}"
