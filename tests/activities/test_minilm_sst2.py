"""Learning test: all-MiniLM-L6-v2 fine-tuned on 2,000 SST-2 rows reaches >= 0.80 accuracy.

Runs the snapshot, fine-tune and evaluate activities through ``ActivityEnvironment``; evaluation
covers all 872 validation rows.
"""

import logging
from pathlib import Path

import pytest
from bert_activities.activities import (
    create_dataset_snapshot,
    evaluate_bert_model,
    fine_tune_bert,
)
from bert_types import (
    BertEvalRequest,
    BertFineTuneConfig,
    BertFineTuneRequest,
    DatasetSnapshotRequest,
)
from temporalio.testing import ActivityEnvironment

logger = logging.getLogger(__name__)


@pytest.mark.slow
async def test_minilm_learns_sst2(minilm_dir: Path, shared_data: Path, tmp_path: Path) -> None:
    env = ActivityEnvironment()
    sst2 = str(shared_data / "sst2")
    snapshot = await env.run(
        create_dataset_snapshot,
        DatasetSnapshotRequest(
            dataset_name=sst2,
            max_train_samples=2000,
            max_eval_samples=128,
            snapshot_root=str(tmp_path / "snapshots"),
        ),
    )
    config = BertFineTuneConfig(
        model_name=str(minilm_dir),
        dataset_name=sst2,
        num_epochs=1,
        batch_size=32,
        learning_rate=3e-4,
        warmup_ratio=0.1,
        weight_decay=0.01,
        max_seq_length=64,
        max_train_samples=2000,
        max_eval_samples=128,
    )
    run_dir = tmp_path / "runs" / "minilm-sst2"
    trained = await env.run(
        fine_tune_bert,
        BertFineTuneRequest(
            run_id="minilm-sst2", config=config, snapshot=snapshot, output_dir=str(run_dir)
        ),
    )
    assert trained.global_step == trained.total_steps == 63
    result = await env.run(
        evaluate_bert_model,
        BertEvalRequest(model_path=str(run_dir), dataset_name=sst2, split="validation"),
    )
    message = (
        f"MiniLM SST-2: validation accuracy {result.accuracy:.4f} on {result.num_samples} rows; "
        f"training {trained.train_samples_per_s:.1f} samples/s over {trained.train_runtime_s:.1f} s"
        f"; eval {result.num_samples / result.duration_s:.1f} samples/s"
    )
    logger.warning(message)
    print(message)
    assert result.num_samples == 872
    assert result.accuracy is not None
    assert result.accuracy >= 0.80, message
