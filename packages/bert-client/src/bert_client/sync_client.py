"""A blocking facade over :class:`~bert_client.client.BertClient` for scripts and notebooks."""

import asyncio
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

from bert_types import (
    BertEvalRequest,
    BertEvalResult,
    BertInferenceRequest,
    BertInferenceResult,
    CheckpointInfo,
    CoordinatorWorkflowInput,
    ExperimentProgress,
    TemporalConnectionSettings,
    TrainingProgress,
)

from bert_client.client import BertClient, WorkflowSummary

T = TypeVar("T")


class SyncBertClient:
    """The SDK without ``await``: each call runs on a private event loop owned by this object.

    Use it as a context manager, or call :meth:`close` when done. Not for use inside a running
    event loop (use :class:`BertClient` there).
    """

    def __init__(
        self,
        settings: TemporalConnectionSettings | None = None,
        *,
        eval_task_queue: str | None = None,
    ) -> None:
        """Connect with explicit settings, falling back to ``TEMPORAL_*`` environment variables."""
        self._runner = asyncio.Runner()
        try:
            self.client = self._run(BertClient.connect(settings, eval_task_queue=eval_task_queue))
        except BaseException:
            self._runner.close()
            raise

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(coroutine)

    def close(self) -> None:
        """Close the private event loop."""
        self._runner.close()

    def __enter__(self) -> "SyncBertClient":
        """Use as ``with SyncBertClient() as client:``."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the event loop."""
        self.close()

    def start_experiment(
        self, experiment: CoordinatorWorkflowInput, *, experiment_id: str | None = None
    ) -> str:
        """Start an experiment and return its id."""
        handle = self._run(self.client.start_experiment(experiment, experiment_id=experiment_id))
        return handle.experiment_id

    def run_experiment(self, experiment: CoordinatorWorkflowInput) -> list[BertEvalResult]:
        """Start an experiment and wait for one result per config."""
        return self._run(self.client.run_experiment(experiment))

    def experiment_results(self, experiment_id: str) -> list[BertEvalResult]:
        """Wait for (or fetch) the results of an experiment."""
        return self._run(self.client.experiment_results(experiment_id))

    def experiment_progress(self, experiment_id: str) -> ExperimentProgress:
        """Every config's progress, live step and loss included."""
        return self._run(self.client.experiment_progress(experiment_id))

    def training_progress(self, run: str) -> TrainingProgress:
        """Progress of one training (run id or training workflow id)."""
        return self._run(self.client.training_progress(run))

    def latest_checkpoint(self, run: str) -> CheckpointInfo | None:
        """Newest complete checkpoint of a run, if any."""
        return self._run(self.client.latest_checkpoint(run))

    def infer(self, request: BertInferenceRequest) -> BertInferenceResult:
        """Predict with a trained run; results in input order."""
        return self._run(self.client.infer(request))

    def evaluate(self, request: BertEvalRequest) -> BertEvalResult:
        """Evaluate a trained run on a dataset split."""
        return self._run(self.client.evaluate(request))

    def cancel(self, workflow_id: str) -> None:
        """Cancel a workflow (an experiment cancels its children)."""
        self._run(self.client.cancel(workflow_id))

    def describe(self, workflow_id: str) -> WorkflowSummary:
        """Type, status and times of a workflow."""
        return self._run(self.client.describe(workflow_id))
