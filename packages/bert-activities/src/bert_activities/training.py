"""``fine_tune``: checkpoint-aware Hugging Face fine-tuning of one run, as a plain function.

Reads the snapshot, infers the schema, resumes from the newest complete checkpoint (request,
previous heartbeat or disk: highest step wins), trains with step checkpoints (always one at the
last step, and one when stopped), evaluates once on the snapshot's eval split, saves model,
tokenizer and ``bert_run.json`` and writes the completion marker last. A completed run asked again
with the same training config returns its stored result without training.
"""

import hashlib
import json
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bert_types.checkpoint import CheckpointInfo, TrainingPhase, TrainingProgress
from bert_types.errors import EMPTY_DATASET
from bert_types.fine_tune import BertFineTuneRequest, BertFineTuneResult
from bert_types.fine_tune_config import BertFineTuneConfig, TaskType

from bert_activities.checkpoints import ResumePoint, check_checkpoint_fits, newest_checkpoint
from bert_activities.devices import DevicePlan, plan_device
from bert_activities.failures import bad_input
from bert_activities.metrics import classification_metrics, regression_metrics
from bert_activities.model_source import (
    check_sequence_length,
    load_model_config,
    load_tokenizer,
    resolve_model_source,
)
from bert_activities.prediction import predict_logits
from bert_activities.resume_schedule import schedule_sync_callback
from bert_activities.roots import run_output_dir
from bert_activities.run_folder import (
    CompletionMarker,
    RunInfo,
    clear_completion,
    read_completion,
    write_completion,
    write_run_info,
)
from bert_activities.schema import (
    RunSchema,
    SchemaHints,
    encode_labels,
    infer_schema,
    text_values,
)
from bert_activities.snapshot_files import EVAL_FILE, TRAIN_FILE, read_rows, require_metadata
from bert_activities.training_reporter import TrainingReporter, TrainingStopped

logger = logging.getLogger(__name__)

EVAL_BATCH_SIZE = 64
LOCK_POLL_S = 1.0

_ONE_TRAINING_PER_PROCESS = threading.Lock()
"""Trainer and accelerate keep process-wide state: two trainings in one process must not overlap."""


@dataclass
class _PreparedRun:
    run_dir: Path
    snapshot_dir: Path
    schema: RunSchema
    train_rows: list[dict[str, Any]]
    eval_rows: list[dict[str, Any]]
    config_hash: str


def fine_tune(
    request: BertFineTuneRequest,
    reporter: TrainingReporter | None = None,
    heartbeat_checkpoint: CheckpointInfo | None = None,
) -> BertFineTuneResult:
    """Fine-tune ``request.config`` on its snapshot; raises ``TrainingStopped`` when stopped.

    Trainings in one process run one at a time; a second waits (and can be stopped while waiting).
    """
    reporter = reporter or TrainingReporter()
    waited = False
    while not _ONE_TRAINING_PER_PROCESS.acquire(timeout=LOCK_POLL_S):
        if not waited:
            logger.info("run %s: waiting for the training running in this process", request.run_id)
            waited = True
        if (reason := reporter.stop_reason()) is not None:
            raise TrainingStopped(reason, request.resume_from_checkpoint or heartbeat_checkpoint)
    try:
        return _fine_tune_alone(request, reporter, heartbeat_checkpoint)
    finally:
        _ONE_TRAINING_PER_PROCESS.release()


def _fine_tune_alone(
    request: BertFineTuneRequest,
    reporter: TrainingReporter,
    heartbeat_checkpoint: CheckpointInfo | None,
) -> BertFineTuneResult:
    started = time.monotonic()
    prepared = _prepare(request)
    completed = read_completion(prepared.run_dir)
    if completed is not None and completed.config_hash == prepared.config_hash:
        logger.info("run %s already completed for this config: reusing it", request.run_id)
        return completed.result
    config = request.config
    source = resolve_model_source(config.model_name)
    tokenizer = load_tokenizer(source, "model_name")
    schema = prepared.schema
    model_config = load_model_config(source, "model_name", **_head_settings(schema))
    check_sequence_length(config.max_seq_length, model_config, "max_seq_length")
    plan = plan_device(config.use_gpu, config.mixed_precision)
    resume = newest_checkpoint(
        prepared.run_dir,
        [("request", request.resume_from_checkpoint), ("heartbeat", heartbeat_checkpoint)],
    )
    if resume is not None:
        check_checkpoint_fits(resume, schema.num_labels, getattr(model_config, "model_type", None))
        logger.info(
            "run %s: resuming from %s (step %d, from %s)",
            request.run_id,
            resume.path,
            resume.step,
            resume.source,
        )
    resumed_from = _checkpoint_info(request.run_id, resume, schema) if resume else None
    if (reason := reporter.stop_reason()) is not None:
        raise TrainingStopped(reason, resumed_from)
    clear_completion(prepared.run_dir)
    planned = planned_steps(config, len(prepared.train_rows))
    finished = resume is not None and resume.step >= planned
    trainer, callback = _trainer(
        request,
        prepared,
        source=str(resume.path) if finished and resume else source,
        model_config=model_config,
        tokenizer=tokenizer,
        plan=plan,
    )
    callback.reporter = reporter
    callback.resumed_from = resumed_from
    train_loss: float | None = None
    if finished and resume is not None:
        logger.info(
            "run %s: checkpoint step %d already reaches the %d planned steps: not training",
            request.run_id,
            resume.step,
            planned,
        )
        callback.step, callback.total_steps, callback.epoch = resume.step, planned, resume.epoch
    else:
        output = trainer.train(resume_from_checkpoint=str(resume.path) if resume else None)
        if callback.stop_reason is not None:
            raise TrainingStopped(callback.stop_reason, callback.last_checkpoint)
        if math.isfinite(output.training_loss):
            train_loss = float(output.training_loss)
        callback.step, callback.total_steps = trainer.state.global_step, trainer.state.max_steps
        callback.epoch = float(trainer.state.epoch or 0.0)
    train_runtime = time.monotonic() - callback.started_at
    reporter.progress(callback.progress(TrainingPhase.EVALUATING))
    eval_metrics = (
        _evaluate_on_snapshot(trainer.model, tokenizer, prepared, config, plan)
        if config.evaluate_after_training
        else {}
    )
    trainer.save_model(str(prepared.run_dir))
    write_run_info(prepared.run_dir, _run_info(request, prepared, config.max_seq_length))
    result = BertFineTuneResult(
        run_id=request.run_id,
        model_name=config.model_name,
        dataset_name=config.dataset_name,
        model_path=str(prepared.run_dir),
        snapshot_id=request.snapshot.snapshot_id,
        snapshot_path=str(prepared.snapshot_dir),
        task_type=schema.task_type,
        num_labels=schema.num_labels,
        label_names=list(schema.label_names),
        text_field=schema.text_field,
        text_pair_field=schema.text_pair_field,
        label_field=schema.label_field,
        train_loss=train_loss,
        eval_metrics=eval_metrics,
        num_train_samples=len(prepared.train_rows),
        num_eval_samples=len(prepared.eval_rows),
        num_parameters=int(trainer.model.num_parameters()),
        global_step=callback.step,
        total_steps=callback.total_steps,
        epochs_completed=callback.epoch,
        checkpoints_saved=list(callback.saved),
        resumed_from=resumed_from,
        train_runtime_s=train_runtime,
        train_samples_per_s=callback.samples_per_s(),
        total_runtime_s=time.monotonic() - started,
        device=plan.description,
        mixed_precision=plan.precision,
    )
    write_completion(
        prepared.run_dir, CompletionMarker(config_hash=prepared.config_hash, result=result)
    )
    final = callback.progress(TrainingPhase.COMPLETED).model_copy(update={"metrics": eval_metrics})
    reporter.progress(final)
    return result


def _prepare(request: BertFineTuneRequest) -> _PreparedRun:
    run_dir = run_output_dir(request.output_dir, request.run_id)
    snapshot_dir = Path(request.snapshot.path).expanduser().resolve()
    metadata = require_metadata(snapshot_dir)
    train_rows = read_rows(snapshot_dir / TRAIN_FILE)
    eval_rows = read_rows(snapshot_dir / EVAL_FILE)
    where = f"snapshot {request.snapshot.snapshot_id}"
    if not train_rows:
        raise bad_input(
            EMPTY_DATASET,
            f"{where} has no training rows; check the dataset and max_train_samples",
        )
    config = request.config
    hints = SchemaHints(
        config.text_field, config.text_pair_field, config.label_field, config.task_type
    )
    schema = infer_schema(
        metadata["columns"],
        train_rows,
        eval_rows,
        hints,
        declared_label_names=metadata.get("label_names"),
        where=where,
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    return _PreparedRun(
        run_dir=run_dir,
        snapshot_dir=snapshot_dir,
        schema=schema,
        train_rows=train_rows,
        eval_rows=eval_rows,
        config_hash=training_config_hash(config, request.snapshot.snapshot_id, schema),
    )


def training_config_hash(config: BertFineTuneConfig, snapshot_id: str, schema: RunSchema) -> str:
    """A hash of everything that changes the trained weights (not devices, roots or timeouts)."""
    relevant = {
        "snapshot_id": snapshot_id,
        "model_name": config.model_name,
        "num_epochs": config.num_epochs,
        "max_steps": config.max_steps,
        "batch_size": config.batch_size,
        "learning_rate": config.learning_rate,
        "max_seq_length": config.max_seq_length,
        "warmup_ratio": config.warmup_ratio,
        "weight_decay": config.weight_decay,
        "gradient_accumulation_steps": config.gradient_accumulation_steps,
        "checkpoint_steps": config.checkpoint_steps,
        "seed": config.seed,
        "text_field": schema.text_field,
        "text_pair_field": schema.text_pair_field,
        "label_field": schema.label_field,
        "task_type": schema.task_type.value,
        "label_names": list(schema.label_names),
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode("utf-8")).hexdigest()


def _steps_per_epoch(config: BertFineTuneConfig, num_rows: int) -> int:
    batches = math.ceil(num_rows / config.batch_size)
    return max(1, math.ceil(batches / config.gradient_accumulation_steps))


def planned_steps(config: BertFineTuneConfig, num_rows: int) -> int:
    """Optimizer steps a run of ``config`` on ``num_rows`` rows ends at (as the Trainer counts)."""
    if config.max_steps is not None:
        return config.max_steps
    return math.ceil(config.num_epochs * _steps_per_epoch(config, num_rows))


def _head_settings(schema: RunSchema) -> dict[str, Any]:
    if schema.task_type == TaskType.REGRESSION:
        return {"num_labels": 1, "problem_type": "regression"}
    return {
        "num_labels": schema.num_labels,
        "id2label": dict(enumerate(schema.label_names)),
        "label2id": {name: index for index, name in enumerate(schema.label_names)},
        "problem_type": "single_label_classification",
    }


def _tokenized(prepared: _PreparedRun, tokenizer: Any, max_length: int) -> Any:
    from datasets import Dataset, Features, Sequence, Value

    schema = prepared.schema
    where = "the snapshot's train rows"
    texts = text_values(prepared.train_rows, schema.text_field, where)
    pairs = (
        text_values(prepared.train_rows, schema.text_pair_field, where)
        if schema.text_pair_field
        else None
    )
    encoded = tokenizer(texts, pairs, truncation=True, max_length=max_length, padding=False)
    columns: dict[str, Any] = {key: encoded[key] for key in encoded}
    columns["labels"] = encode_labels(schema, prepared.train_rows, schema.label_field, where)
    label_type = "float32" if schema.task_type == TaskType.REGRESSION else "int64"
    features = Features(
        {
            **{key: Sequence(Value("int64")) for key in encoded},
            "labels": Value(label_type),
        }
    )
    return Dataset.from_dict(columns, features=features)


@dataclass
class _CallbackState:
    run_id: str
    run_dir: Path
    num_labels: int
    samples_per_step: int
    reporter: TrainingReporter | None = None
    resumed_from: CheckpointInfo | None = None
    stop_reason: str | None = None
    saved: list[CheckpointInfo] = field(default_factory=list)
    started_at: float = field(default_factory=time.monotonic)
    start_step: int = 0
    step: int = 0
    total_steps: int = 0
    epoch: float = 0.0
    loss: float | None = None
    learning_rate: float | None = None

    @property
    def last_checkpoint(self) -> CheckpointInfo | None:
        return self.saved[-1] if self.saved else self.resumed_from

    def samples_per_s(self) -> float:
        elapsed = time.monotonic() - self.started_at
        done = (self.step - self.start_step) * self.samples_per_step
        return done / elapsed if elapsed > 0 and done > 0 else 0.0

    def progress(self, phase: TrainingPhase) -> TrainingProgress:
        return TrainingProgress(
            run_id=self.run_id,
            phase=phase,
            step=self.step,
            total_steps=self.total_steps or None,
            epoch=self.epoch,
            loss=self.loss,
            learning_rate=self.learning_rate,
            samples_per_s=self.samples_per_s() or None,
            elapsed_s=time.monotonic() - self.started_at,
            last_checkpoint=self.last_checkpoint,
        )


def _progress_callback(run: _CallbackState, save_steps: int, logging_steps: int) -> Any:
    from transformers import TrainerCallback

    class ProgressCallback(TrainerCallback):
        """Reports progress and checkpoints, and stops training (with a checkpoint) on request."""

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            state.save_steps = save_steps
            state.logging_steps = logging_steps
            run.started_at = time.monotonic()
            run.start_step = run.step = int(state.global_step)
            run.total_steps = int(state.max_steps)
            run.epoch = float(state.epoch or 0.0)
            if run.reporter is not None:
                run.reporter.progress(run.progress(TrainingPhase.TRAINING))
            return control

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            run.step = int(state.global_step)
            run.epoch = float(state.epoch or 0.0)
            reporter = run.reporter
            if reporter is None:
                return control
            reporter.progress(run.progress(TrainingPhase.TRAINING))
            reason = reporter.stop_reason()
            if reason is not None and run.stop_reason is None:
                logger.info("run %s: stopping at step %d (%s)", run.run_id, run.step, reason)
                run.stop_reason = reason
                control.should_training_stop = True
                control.should_save = True
            return control

        def on_log(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            logs = kwargs.get("logs") or {}
            if "loss" in logs:
                run.loss = float(logs["loss"])
                run.learning_rate = float(logs.get("learning_rate") or 0.0)
                logger.info(
                    "run %s: step %d/%d epoch %.2f loss %.4f",
                    run.run_id,
                    int(state.global_step),
                    run.total_steps,
                    float(state.epoch or 0.0),
                    run.loss,
                )
            return control

        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            step = int(state.global_step)
            checkpoint = CheckpointInfo(
                run_id=run.run_id,
                step=step,
                path=str(run.run_dir / f"checkpoint-{step}"),
                epoch=float(state.epoch or 0.0),
                num_labels=run.num_labels,
                loss=run.loss,
            )
            run.saved.append(checkpoint)
            logger.info("run %s: checkpoint saved at step %d", run.run_id, step)
            if run.reporter is not None:
                run.reporter.checkpoint_saved(checkpoint)
                run.reporter.progress(run.progress(TrainingPhase.TRAINING))
            return control

    return ProgressCallback()


def _trainer(
    request: BertFineTuneRequest,
    prepared: _PreparedRun,
    *,
    source: str,
    model_config: Any,
    tokenizer: Any,
    plan: DevicePlan,
) -> tuple[Any, _CallbackState]:
    from transformers import (
        AutoModelForSequenceClassification,
        DataCollatorWithPadding,
        PrinterCallback,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    config = request.config
    set_seed(config.seed)
    model = AutoModelForSequenceClassification.from_pretrained(source, config=model_config)
    train_dataset = _tokenized(prepared, tokenizer, config.max_seq_length)
    save_steps = config.checkpoint_steps or max(
        1, math.ceil(_steps_per_epoch(config, len(train_dataset)) / 2)
    )
    args = TrainingArguments(
        output_dir=str(prepared.run_dir),
        per_device_train_batch_size=config.batch_size,
        num_train_epochs=config.num_epochs,
        max_steps=config.max_steps or -1,
        learning_rate=config.learning_rate,
        warmup_steps=config.warmup_ratio,
        weight_decay=config.weight_decay,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        logging_strategy="steps",
        logging_steps=config.logging_steps,
        save_strategy="steps",
        save_steps=save_steps,
        save_total_limit=config.save_total_limit,
        eval_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=config.seed,
        data_seed=config.seed,
        use_cpu=plan.device == "cpu",
        bf16=plan.precision == "bf16",
        fp16=plan.precision == "fp16",
        dataloader_num_workers=0,
        dataloader_pin_memory=plan.device == "cuda",
    )
    state = _CallbackState(
        run_id=request.run_id,
        run_dir=prepared.run_dir,
        num_labels=prepared.schema.num_labels,
        samples_per_step=config.batch_size * config.gradient_accumulation_steps,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_dataset,
        data_collator=DataCollatorWithPadding(
            tokenizer, pad_to_multiple_of=8 if plan.device == "cuda" else None
        ),
        processing_class=tokenizer,
        callbacks=[
            _progress_callback(state, save_steps, config.logging_steps),
            schedule_sync_callback(),
        ],
    )
    trainer.remove_callback(PrinterCallback)
    return trainer, state


def _evaluate_on_snapshot(
    model: Any, tokenizer: Any, prepared: _PreparedRun, config: BertFineTuneConfig, plan: DevicePlan
) -> dict[str, float]:
    rows = prepared.eval_rows
    if not rows:
        return {}
    schema = prepared.schema
    where = "the snapshot's eval rows"
    texts = text_values(rows, schema.text_field, where)
    pairs = text_values(rows, schema.text_pair_field, where) if schema.text_pair_field else None
    logits = predict_logits(
        model,
        tokenizer,
        texts=texts,
        text_pairs=pairs,
        batch_size=EVAL_BATCH_SIZE,
        max_length=config.max_seq_length,
        device=plan.device,
    )
    targets = encode_labels(schema, rows, schema.label_field, where)
    return score(schema, targets, logits)


def score(schema: RunSchema, targets: list[int] | list[float], logits: Any) -> dict[str, float]:
    """Metrics of ``logits`` against ``targets`` for the run's task type."""
    if schema.task_type == TaskType.REGRESSION:
        return regression_metrics(
            [float(t) for t in targets], [float(v) for v in logits[:, 0].tolist()]
        )
    predicted = [int(i) for i in logits.argmax(axis=1).tolist()]
    return classification_metrics([int(t) for t in targets], predicted, schema.label_names)


def _checkpoint_info(run_id: str, point: ResumePoint, schema: RunSchema) -> CheckpointInfo:
    return CheckpointInfo(
        run_id=run_id,
        step=point.step,
        path=str(point.path),
        epoch=point.epoch,
        num_labels=schema.num_labels,
    )


def _run_info(request: BertFineTuneRequest, prepared: _PreparedRun, max_seq_length: int) -> RunInfo:
    schema = prepared.schema
    return RunInfo(
        run_id=request.run_id,
        model_name=request.config.model_name,
        task_type=schema.task_type,
        num_labels=schema.num_labels,
        label_names=list(schema.label_names),
        string_labels=schema.string_labels,
        text_field=schema.text_field,
        text_pair_field=schema.text_pair_field,
        label_field=schema.label_field,
        max_seq_length=max_seq_length,
        snapshot_id=request.snapshot.snapshot_id,
        snapshot_path=str(prepared.snapshot_dir),
        dataset_name=request.config.dataset_name,
        dataset_config_name=request.config.dataset_config_name,
    )
