"""Rich tables and JSON records of results, progress, checkpoints and predictions."""

from pathlib import PurePath
from typing import Any

from bert_types import (
    BertEvalResult,
    BertInferenceResult,
    CheckpointInfo,
    ExperimentProgress,
    RunStatus,
    TaskType,
    TrainingProgress,
)
from rich.markup import escape
from rich.table import Table
from rich.text import Text

STATUS_STYLE = {
    RunStatus.SUCCEEDED: "green",
    RunStatus.FAILED: "red",
    RunStatus.CANCELLED: "yellow",
}


def short_name(name: str | None) -> str:
    """A model or dataset name short enough for a table: local paths keep their last two parts."""
    if not name:
        return "-"
    path = PurePath(name)
    if path.is_absolute() or name.startswith("."):
        return "/".join(path.parts[-2:])
    return name


def _figure(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main_metric(result: BertEvalResult) -> str:
    """Accuracy for classification, else the main regression metric (Pearson, else RMSE)."""
    if result.accuracy is not None:
        return f"acc {result.accuracy:.4f}"
    for name in ("accuracy", "pearson", "spearman", "rmse", "mse"):
        if name in result.metrics:
            label = "acc" if name == "accuracy" else name
            return f"{label} {result.metrics[name]:.4f}"
    return "-"


def results_table(results: list[BertEvalResult], title: str = "Results") -> Table:
    """One row per config: run id, model, dataset, split, main metric, macro-F1, status."""
    table = Table(title=title)
    table.add_column("run id", no_wrap=True)
    for column in ("model", "dataset", "split"):
        table.add_column(column, overflow="fold")
    table.add_column("accuracy / metric", no_wrap=True)
    table.add_column("F1 (macro)", no_wrap=True)
    table.add_column("status", min_width=9)
    for result in results:
        status = f"[{STATUS_STYLE[result.status]}]{result.status.value}[/]"
        if result.error:
            status += (
                f"\n[dim]{escape(result.error_type or 'error')}: {escape(result.error[:200])}[/dim]"
            )
        training = result.training
        table.add_row(
            Text(result.run_id),
            Text(short_name(training.model_name if training else result.model_name)),
            Text(short_name(training.dataset_name if training else result.dataset_name)),
            Text(result.split or "-"),
            main_metric(result),
            _figure(result.metrics.get("f1_macro")),
            status,
        )
    return table


def result_record(result: BertEvalResult) -> dict[str, Any]:
    """The JSON record of one config: run id, status, error, accuracy, metrics and context."""
    return {
        "run_id": result.run_id,
        "status": result.status.value,
        "error": result.error,
        "error_type": result.error_type,
        "accuracy": result.accuracy,
        "metrics": result.metrics,
        "model_name": result.model_name,
        "dataset_name": result.dataset_name,
        "split": result.split,
        "model_path": result.model_path,
        "num_samples": result.num_samples,
        "training": result.training.model_dump(mode="json") if result.training else None,
    }


def progress_table(progress: ExperimentProgress) -> Table:
    """Every config's phase, step, epoch, loss and (once evaluated) accuracy."""
    table = Table(title=f"Experiment {progress.experiment_id}")
    for column in ("run id", "phase", "step", "epoch", "loss", "accuracy / metric"):
        table.add_column(column)
    results = {result.run_id: result for result in progress.results}
    for run in progress.runs:
        result = results.get(run.run_id)
        metric = main_metric(result) if result is not None else _run_metric(run)
        table.add_row(
            Text(run.run_id),
            run.phase.value,
            _steps(run),
            f"{run.epoch:.2f}",
            _figure(run.loss),
            metric,
        )
    return table


def _run_metric(run: TrainingProgress) -> str:
    if "accuracy" in run.metrics:
        return f"acc {run.metrics['accuracy']:.4f}"
    return "-"


def _steps(run: TrainingProgress) -> str:
    return f"{run.step}/{run.total_steps}" if run.total_steps else str(run.step)


def training_table(workflow_id: str, progress: TrainingProgress) -> Table:
    """One training run's progress as a two-column table."""
    table = Table(title=f"Training {workflow_id}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    rows = [
        ("run id", progress.run_id),
        ("phase", progress.phase.value),
        ("step", _steps(progress)),
        ("epoch", f"{progress.epoch:.2f}"),
        ("loss", _figure(progress.loss)),
        ("samples/s", _figure(progress.samples_per_s, 1)),
        ("attempt", str(progress.attempt)),
        ("last checkpoint", progress.last_checkpoint.path if progress.last_checkpoint else "-"),
    ]
    rows += [(name, _figure(value)) for name, value in sorted(progress.metrics.items())]
    if progress.error:
        rows.append(("error", progress.error))
    for name, value in rows:
        table.add_row(name, Text(value))
    return table


def checkpoint_table(run: str, checkpoint: CheckpointInfo) -> Table:
    """The newest checkpoint of a run."""
    table = Table(title=f"Latest checkpoint of {run}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    table.add_row("run id", checkpoint.run_id)
    table.add_row("step", str(checkpoint.step))
    table.add_row("epoch", f"{checkpoint.epoch:.2f}")
    table.add_row("loss", _figure(checkpoint.loss))
    table.add_row("path", Text(checkpoint.path))
    return table


def inference_table(texts: list[str], result: BertInferenceResult) -> Table:
    """Text, predicted label name and confidence (or predicted value), in input order."""
    table = Table(title=f"Predictions of {result.run_id or result.model_path}")
    table.add_column("#", justify="right")
    table.add_column("text", overflow="ellipsis", max_width=80, no_wrap=True)
    if result.task_type == TaskType.REGRESSION:
        table.add_column("value", justify="right")
        for index, (text, value) in enumerate(zip(texts, result.values or [], strict=False)):
            table.add_row(str(index), Text(text), f"{value:.4f}")
        return table
    table.add_column("label")
    table.add_column("confidence", justify="right")
    names = result.label_names or [str(label) for label in result.label_ids or []]
    rows = zip(texts, names, result.confidences or [], strict=False)
    for index, (text, name, confidence) in enumerate(rows):
        table.add_row(str(index), Text(text), Text(name), f"{confidence:.3f}")
    return table


def inference_records(texts: list[str], result: BertInferenceResult) -> list[dict[str, Any]]:
    """One JSON record per input text: text, label id and name, confidence or value."""
    records: list[dict[str, Any]] = []
    for index, text in enumerate(texts):
        record: dict[str, Any] = {"text": text}
        if result.values is not None:
            record["value"] = result.values[index]
        if result.label_ids is not None:
            record["label_id"] = result.label_ids[index]
        if result.label_names is not None:
            record["label"] = result.label_names[index]
        if result.confidences is not None:
            record["confidence"] = result.confidences[index]
        records.append(record)
    return records


def metrics_table(result: BertEvalResult) -> Table:
    """All metrics of one evaluation."""
    table = Table(
        title=f"Evaluation of {result.run_id} on {short_name(result.dataset_name)} "
        f"[{result.split or '-'}], {result.num_samples} samples"
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in sorted(result.metrics.items()):
        table.add_row(Text(name), f"{value:.4f}")
    return table
