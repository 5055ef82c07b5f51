"""Follow a running experiment: one live progress bar per config until the results arrive."""

import asyncio
import contextlib

from bert_types import BertEvalResult, ExperimentProgress, TrainingPhase, TrainingProgress
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from bert_client.client import BertClient
from bert_client.errors import BertClientError

PHASE_STYLE = {
    TrainingPhase.COMPLETED: "green",
    TrainingPhase.FAILED: "red",
    TrainingPhase.CANCELLED: "yellow",
}
FINISHED_TRAINING = frozenset(
    {
        TrainingPhase.EVALUATING,
        TrainingPhase.COMPLETED,
        TrainingPhase.FAILED,
        TrainingPhase.CANCELLED,
    }
)


class ExperimentBars:
    """A rich progress display with one bar per config: phase, step/total, loss, ETA."""

    def __init__(self, console: Console) -> None:
        """Create the (not yet started) display."""
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self._tasks: dict[int, TaskID] = {}
        self._phases: dict[int, TrainingPhase] = {}

    def update(self, progress: ExperimentProgress) -> None:
        """Show the latest figures of every config; log each phase change as a line."""
        width = max((len(run.run_id) for run in progress.runs), default=8)
        for index, run in enumerate(progress.runs):
            if index not in self._tasks:
                self._tasks[index] = self.progress.add_task("", total=None, loss="-")
            if self._phases.get(index) != run.phase:
                self._phases[index] = run.phase
                self.progress.console.print(
                    f"{escape(run.run_id)}: {run.phase.value}"
                    + (f" ({escape(run.error)})" if run.error else ""),
                    highlight=False,
                )
            self._show(self._tasks[index], run, width)

    def _show(self, task: TaskID, run: TrainingProgress, width: int) -> None:
        style = PHASE_STYLE.get(run.phase, "cyan")
        description = f"{escape(run.run_id):<{width}} [{style}]{run.phase.value:<12}[/]"
        loss = "-" if run.loss is None else f"{run.loss:.4f}"
        total = run.total_steps
        completed = run.step
        if run.phase in FINISHED_TRAINING and total:
            completed = total
        self.progress.update(
            task, description=description, total=total, completed=completed, loss=loss
        )


async def follow_experiment(
    client: BertClient, experiment_id: str, console: Console, interval_s: float = 2.0
) -> list[BertEvalResult]:
    """Show live progress of ``experiment_id`` until it ends; return its results."""
    results = asyncio.create_task(client.experiment_results(experiment_id))
    bars = ExperimentBars(console)
    with bars.progress:
        while True:
            # a busy or restarting worker, or an ended run, fails the query: the result tells which
            with contextlib.suppress(BertClientError):
                bars.update(await client.experiment_progress(experiment_id))
            if results.done():
                break
            await asyncio.wait({results}, timeout=interval_s)
    return results.result()
