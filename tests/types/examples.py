"""One realistic, fully populated instance of every bert-types model."""

from datetime import UTC, datetime

from bert_types import (
    BertEvalRequest,
    BertEvalResult,
    BertFineTuneConfig,
    BertFineTuneRequest,
    BertFineTuneResult,
    BertInferenceRequest,
    BertInferenceResult,
    CheckpointInfo,
    ChoiceParameter,
    CoordinatorWorkflowConfig,
    CoordinatorWorkflowInput,
    DatasetSnapshotRequest,
    DatasetSnapshotResult,
    ExecutionPolicy,
    ExperimentProgress,
    IntParameter,
    LogUniformParameter,
    MixedPrecision,
    RunStatus,
    StopSweepRequest,
    SuccessiveHalvingSettings,
    SweepAlgorithm,
    SweepConfig,
    SweepLeaderboard,
    SweepObjective,
    SweepRungResult,
    SweepState,
    SweepTrial,
    SweepTrialStatus,
    SweepWorkflowInput,
    TaskType,
    TemporalConnectionSettings,
    TrainingPhase,
    TrainingProgress,
    UniformParameter,
)
from pydantic import BaseModel


def fine_tune_config() -> BertFineTuneConfig:
    """A pair-classification config with most fields set away from their defaults."""
    return BertFineTuneConfig(
        model_name="prajjwal1/bert-tiny",
        dataset_name="glue",
        dataset_config_name="rte",
        eval_split="validation",
        num_epochs=1.5,
        max_steps=40,
        batch_size=8,
        learning_rate=5e-5,
        max_seq_length=64,
        use_gpu=False,
        max_train_samples=200,
        max_eval_samples=50,
        text_field="sentence1",
        text_pair_field="sentence2",
        label_field="label",
        task_type=TaskType.CLASSIFICATION,
        seed=7,
        run_id="rte-tiny.v1",
        warmup_ratio=0.1,
        weight_decay=0.01,
        checkpoint_steps=10,
        save_total_limit=3,
        gradient_accumulation_steps=2,
        mixed_precision=MixedPrecision.NO,
        logging_steps=5,
        artifact_root="/tmp/bert_runs",
        snapshot_root="/tmp/data_snapshots",
        execution=ExecutionPolicy(fine_tune_max_attempts=2, heartbeat_timeout_s=30),
    )


def checkpoint() -> CheckpointInfo:
    """The checkpoint at step 20 of ``rte-tiny.v1``."""
    return CheckpointInfo(
        run_id="rte-tiny.v1",
        step=20,
        path="/tmp/bert_runs/rte-tiny.v1/checkpoint-20",
        epoch=0.8,
        num_labels=2,
        loss=0.69,
    )


def snapshot_result() -> DatasetSnapshotResult:
    """A frozen snapshot of RTE with a timezone-aware creation time."""
    return DatasetSnapshotResult(
        snapshot_id="glue-rte-3f2a",
        path="/tmp/data_snapshots/glue-rte-3f2a",
        content_hash="3f2a" * 16,
        source="glue/rte",
        train_split="train",
        eval_split="validation",
        num_train_rows=200,
        num_eval_rows=50,
        columns=["sentence1", "sentence2", "label"],
        features={"sentence1": "string", "sentence2": "string", "label": "int64"},
        label_names=["entailment", "not_entailment"],
        created_at=datetime(2026, 11, 27, 5, 0, 0, tzinfo=UTC),
        reused=True,
    )


def fine_tune_result() -> BertFineTuneResult:
    """A completed run that resumed once."""
    return BertFineTuneResult(
        run_id="rte-tiny.v1",
        model_name="prajjwal1/bert-tiny",
        dataset_name="glue",
        model_path="/tmp/bert_runs/rte-tiny.v1",
        snapshot_id="glue-rte-3f2a",
        task_type=TaskType.CLASSIFICATION,
        num_labels=2,
        label_names=["entailment", "not_entailment"],
        text_field="sentence1",
        text_pair_field="sentence2",
        label_field="label",
        train_loss=0.65,
        eval_metrics={"eval_accuracy": 0.56, "eval_loss": 0.68},
        num_train_samples=200,
        num_eval_samples=50,
        num_parameters=4_386_178,
        global_step=40,
        total_steps=40,
        epochs_completed=1.5,
        checkpoints_saved=[checkpoint()],
        resumed_from=checkpoint(),
        train_runtime_s=12.5,
        train_samples_per_s=24.0,
        total_runtime_s=15.0,
        device="cpu",
        mixed_precision="no",
    )


def eval_request() -> BertEvalRequest:
    """Evaluate ``rte-tiny.v1`` on 50 validation rows."""
    return BertEvalRequest(
        run_id="rte-tiny.v1",
        model_path="/tmp/bert_runs/rte-tiny.v1",
        artifact_root="/tmp/bert_runs",
        dataset_name="glue",
        dataset_config_name="rte",
        split="validation",
        max_eval_samples=50,
        shuffle_before_select=False,
        seed=3,
        text_field="sentence1",
        text_pair_field="sentence2",
        label_field="label",
        batch_size=16,
    )


def eval_result() -> BertEvalResult:
    """Metrics of ``rte-tiny.v1`` with its training result attached."""
    return BertEvalResult(
        run_id="rte-tiny.v1",
        status=RunStatus.SUCCEEDED,
        model_path="/tmp/bert_runs/rte-tiny.v1",
        model_name="prajjwal1/bert-tiny",
        dataset_name="glue",
        split="validation",
        task_type=TaskType.CLASSIFICATION,
        accuracy=0.56,
        metrics={"accuracy": 0.56, "f1_macro": 0.5},
        num_samples=50,
        duration_s=1.25,
        training=fine_tune_result(),
    )


def training_progress() -> TrainingProgress:
    """A run halfway through training."""
    return TrainingProgress(
        run_id="rte-tiny.v1",
        phase=TrainingPhase.TRAINING,
        step=20,
        total_steps=40,
        epoch=0.8,
        loss=0.69,
        learning_rate=2.5e-5,
        samples_per_s=25.0,
        elapsed_s=6.0,
        attempt=2,
        last_checkpoint=checkpoint(),
        metrics={"eval_accuracy": 0.5},
    )


def coordinator_input() -> CoordinatorWorkflowInput:
    """An experiment of two configs, one with its own eval request."""
    return CoordinatorWorkflowInput(
        experiment_id="exp-rte-sst2",
        configs=[
            CoordinatorWorkflowConfig(run_id="rte-tiny.v1", fine_tune=fine_tune_config()),
            CoordinatorWorkflowConfig(
                fine_tune=BertFineTuneConfig(dataset_name="sst2.jsonl", run_id="sst2-a"),
                eval=BertEvalRequest(run_id="sst2-a", split="test"),
            ),
        ],
        artifact_root="/tmp/bert_runs",
        snapshot_root="/tmp/data_snapshots",
        max_concurrent_trainings=2,
        execution=ExecutionPolicy(eval_max_attempts=1),
    )


def sweep_config() -> SweepConfig:
    """A successive-halving sweep over four kinds of parameters, with an eval template."""
    return SweepConfig.model_validate(
        {
            "sweep_id": "sweep-rte",
            "base_config": {"dataset_name": "glue", "dataset_config_name": "rte"},
            "eval": {"split": "validation", "max_eval_samples": 50},
            "search_space": {
                "learning_rate": {"type": "log_uniform", "low": 1e-5, "high": 1e-3},
                "warmup_ratio": {"type": "uniform", "low": 0.0, "high": 0.2},
                "batch_size": {"type": "int", "low": 8, "high": 32, "step": 8},
                "mixed_precision": ["no", "auto"],
            },
            "algorithm": "successive_halving",
            "num_trials": 8,
            "max_concurrent_trials": 4,
            "objective": {"metric": "f1_macro", "direction": "maximize"},
            "seed": 3,
            "successive_halving": {"eta": 2, "resource": "epochs", "min_budget": 0.5},
        }
    )


def sweep_rung() -> SweepRungResult:
    """Rung 0 of a trial: trained half an epoch, then evaluated."""
    return SweepRungResult(
        rung=0,
        budget=0.5,
        status=SweepTrialStatus.SUCCEEDED,
        metric=0.61,
        global_step=13,
        total_steps=13,
        resumed_from_step=8,
        started_at=datetime(2026, 11, 27, 5, 0, tzinfo=UTC),
        finished_at=datetime(2026, 11, 27, 5, 1, tzinfo=UTC),
    )


def sweep_trial() -> SweepTrial:
    """A trial promoted once, with the results of both rungs."""
    rung = sweep_rung()
    return SweepTrial(
        index=3,
        run_id="sweep-rte-t3",
        params={"learning_rate": 3e-5, "batch_size": 16, "mixed_precision": "no"},
        status=SweepTrialStatus.RUNNING,
        rung=1,
        metric=0.61,
        metrics={"f1_macro": 0.61},
        model_path="/tmp/bert_runs/sweep-rte-t3",
        rungs=[rung, rung.model_copy(update={"rung": 1, "budget": 1.0, "resumed_from_step": 13})],
    )


def sweep_examples() -> list[BaseModel]:
    """One instance of every sweep model."""
    return [
        ChoiceParameter(values=["a", 1, 2.5, True, None]),
        UniformParameter(low=0.0, high=0.3, grid_points=4),
        LogUniformParameter(low=1e-5, high=1e-3),
        IntParameter(low=1, high=9, step=4),
        SweepObjective(metric="rmse", direction="minimize"),
        SuccessiveHalvingSettings(eta=3, resource="steps", min_budget=10, max_rungs=3),
        sweep_config(),
        sweep_rung(),
        sweep_trial(),
        SweepState(trials=[sweep_trial()], rung=1, workflow_runs=2),
        SweepWorkflowInput(config=sweep_config(), state=SweepState(trials=[sweep_trial()], rung=1)),
        SweepLeaderboard(
            sweep_id="sweep-rte",
            algorithm=SweepAlgorithm.SUCCESSIVE_HALVING,
            objective=SweepObjective(metric="f1_macro"),
            trials=[sweep_trial()],
            best=sweep_trial(),
            rung=1,
            rung_sizes=[8, 4],
            rung_budgets=[0.5, 1.0],
            running=1,
            max_concurrent_trials=4,
        ),
        StopSweepRequest(reason="good enough", cancel_running=True),
    ]


def all_examples() -> list[BaseModel]:
    """One instance of every model that bert-types exports (checked by the tests)."""
    return [
        fine_tune_config(),
        checkpoint(),
        training_progress(),
        DatasetSnapshotRequest(
            dataset_name="glue",
            dataset_config_name="rte",
            eval_split="validation",
            max_train_samples=200,
            max_eval_samples=50,
            seed=7,
            snapshot_root="/tmp/data_snapshots",
        ),
        snapshot_result(),
        BertFineTuneRequest(
            run_id="rte-tiny.v1",
            config=fine_tune_config(),
            snapshot=snapshot_result(),
            output_dir="/tmp/bert_runs/rte-tiny.v1",
            resume_from_checkpoint=checkpoint(),
        ),
        fine_tune_result(),
        BertInferenceRequest(
            run_id="rte-tiny.v1",
            texts=["A man is sleeping.", "Ünïcödé — ok"],
            text_pairs=["Nobody sleeps.", "fine"],
            batch_size=2,
            max_seq_length=32,
        ),
        BertInferenceResult(
            run_id="rte-tiny.v1",
            model_path="/tmp/bert_runs/rte-tiny.v1",
            task_type=TaskType.CLASSIFICATION,
            label_ids=[1, 0],
            label_names=["not_entailment", "entailment"],
            confidences=[0.9, 0.6],
            num_texts=2,
            duration_s=0.1,
            samples_per_s=20.0,
        ),
        BertInferenceResult(
            model_path="/tmp/bert_runs/stsb",
            task_type=TaskType.REGRESSION,
            values=[3.2, 0.4],
            num_texts=2,
            duration_s=0.1,
            samples_per_s=20.0,
        ),
        eval_request(),
        eval_result(),
        BertEvalResult(
            run_id="sst2-a",
            status=RunStatus.FAILED,
            error="dataset sst2.jsonl not found",
            error_type="DatasetNotFoundError",
        ),
        coordinator_input().configs[1],
        coordinator_input(),
        ExperimentProgress(
            experiment_id="exp-rte-sst2",
            runs=[training_progress(), TrainingProgress(run_id="sst2-a")],
            results=[eval_result()],
        ),
        ExecutionPolicy(snapshot_timeout_s=60, fine_tune_timeout_s=3600, progress_interval_s=1),
        TemporalConnectionSettings(
            address="localhost:7233", namespace="default", tls=False, tls_server_name="x"
        ),
        *sweep_examples(),
    ]
