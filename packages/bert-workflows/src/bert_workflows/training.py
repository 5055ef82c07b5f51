"""``CheckpointedBertTrainingWorkflow``: snapshot, then fine-tune with resumable attempts.

The fine-tune activity runs one attempt per scheduling. When an attempt fails for a reason that a
retry can fix (lost worker, heartbeat timeout, crash), the workflow schedules it again with
``resume_from_checkpoint`` set to the newest checkpoint it was signalled, so no attempt starts
from scratch. Temporal's own retries would re-send the original input, hence the loop.
"""

from pydantic import ValidationError
from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from bert_types.checkpoint import CheckpointInfo, TrainingPhase, TrainingProgress
    from bert_types.fine_tune import BertFineTuneRequest, BertFineTuneResult
    from bert_types.fine_tune_config import BertFineTuneConfig
    from bert_types.names import (
        FINE_TUNE_ACTIVITY,
        GET_LATEST_CHECKPOINT_QUERY,
        GET_PROGRESS_QUERY,
        REPORT_PROGRESS_SIGNAL,
        SNAPSHOT_ACTIVITY,
        TRAINING_WORKFLOW,
        UPDATE_CHECKPOINT_SIGNAL,
    )
    from bert_types.snapshot import DatasetSnapshotRequest, DatasetSnapshotResult

from bert_workflows.activity_options import (
    execute_activity_by_name,
    fine_tune_attempt_options,
    retry_delay,
    snapshot_options,
)
from bert_workflows.failures import error_message, error_type, is_non_retryable
from bert_workflows.run_paths import canonical_run_id, join_path


def snapshot_request(config: BertFineTuneConfig) -> DatasetSnapshotRequest:
    """The snapshot a fine-tune config trains on."""
    return DatasetSnapshotRequest(
        dataset_name=config.dataset_name,
        dataset_config_name=config.dataset_config_name,
        train_split=config.train_split,
        eval_split=config.eval_split,
        holdout_fraction=config.holdout_fraction,
        max_train_samples=config.max_train_samples,
        max_eval_samples=config.max_eval_samples,
        shuffle_before_select=config.shuffle_before_select,
        seed=config.seed,
        snapshot_root=config.snapshot_root,
    )


@workflow.defn(name=TRAINING_WORKFLOW, failure_exception_types=[ValidationError])
class CheckpointedBertTrainingWorkflow:
    """Fine-tune one config; remembers the newest checkpoint and the latest progress."""

    @workflow.init
    def __init__(self, config: BertFineTuneConfig) -> None:
        self._run_id = canonical_run_id(config.run_id, workflow.info().workflow_id)
        self._latest_checkpoint: CheckpointInfo | None = None
        self._progress = TrainingProgress(run_id=self._run_id)

    @workflow.run
    async def run(self, config: BertFineTuneConfig) -> BertFineTuneResult:
        """Snapshot, then fine-tune (resuming attempts) and return the trained run."""
        config = config.model_copy(update={"run_id": self._run_id})
        self._progress.phase = TrainingPhase.SNAPSHOTTING
        workflow.logger.info("run %s: snapshotting %s", self._run_id, config.dataset_name)
        try:
            snapshot = await execute_activity_by_name(
                SNAPSHOT_ACTIVITY,
                snapshot_request(config),
                DatasetSnapshotResult,
                snapshot_options(config.execution),
            )
            self._progress.phase = TrainingPhase.TRAINING
            result = await self._fine_tune(config, snapshot)
        except BaseException as error:
            self._progress.phase = (
                TrainingPhase.CANCELLED if is_cancelled_exception(error) else TrainingPhase.FAILED
            )
            self._progress.error = error_message(error)
            raise
        self._progress.phase = TrainingPhase.COMPLETED
        self._progress.step = result.global_step
        self._progress.total_steps = result.total_steps
        self._progress.epoch = result.epochs_completed
        self._progress.loss = result.train_loss
        self._progress.metrics = dict(result.eval_metrics)
        for checkpoint in result.checkpoints_saved:
            self.update_checkpoint(checkpoint)
        return result.model_copy(update={"snapshot_path": snapshot.path})

    async def _fine_tune(
        self, config: BertFineTuneConfig, snapshot: DatasetSnapshotResult
    ) -> BertFineTuneResult:
        policy = config.execution
        max_attempts = policy.fine_tune_max_attempts
        for attempt in range(1, max_attempts + 1):
            self._progress.attempt = attempt
            request = BertFineTuneRequest(
                run_id=self._run_id,
                config=config,
                snapshot=snapshot,
                output_dir=join_path(config.artifact_root, self._run_id),
                resume_from_checkpoint=self._latest_checkpoint,
            )
            resume = self._latest_checkpoint.step if self._latest_checkpoint else None
            workflow.logger.info(
                "run %s: fine-tune attempt %d/%d (resume from step %s)",
                self._run_id,
                attempt,
                max_attempts,
                resume,
            )
            try:
                return await execute_activity_by_name(
                    FINE_TUNE_ACTIVITY,
                    request,
                    BertFineTuneResult,
                    fine_tune_attempt_options(policy),
                )
            except ActivityError as error:
                if is_cancelled_exception(error):
                    raise
                if is_non_retryable(error) or attempt == max_attempts:
                    raise ApplicationError(
                        f"fine-tuning run {self._run_id} failed after {attempt} attempt(s): "
                        f"{error_message(error)}",
                        type=error_type(error),
                        non_retryable=True,
                    ) from error
                delay = retry_delay(policy, attempt)
                workflow.logger.warning(
                    "run %s: fine-tune attempt %d failed (%s: %s); retrying in %ss",
                    self._run_id,
                    attempt,
                    error_type(error),
                    error_message(error),
                    delay.total_seconds(),
                )
                await workflow.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    @workflow.signal(name=UPDATE_CHECKPOINT_SIGNAL)
    def update_checkpoint(self, checkpoint: CheckpointInfo) -> None:
        """Keep ``checkpoint`` if newer than the known one; stale or repeated ones are no-ops."""
        if checkpoint.run_id != self._run_id:
            workflow.logger.warning(
                "run %s: ignoring checkpoint of another run %s", self._run_id, checkpoint.run_id
            )
            return
        if self._latest_checkpoint is None or checkpoint.step > self._latest_checkpoint.step:
            self._latest_checkpoint = checkpoint
            self._progress.last_checkpoint = checkpoint

    @workflow.signal(name=REPORT_PROGRESS_SIGNAL)
    def report_progress(self, progress: TrainingProgress) -> None:
        """Take the activity's live figures; phase, attempt and checkpoint stay the workflow's."""
        if self._progress.phase != TrainingPhase.TRAINING:
            return
        self._progress = progress.model_copy(
            update={
                "run_id": self._run_id,
                "phase": self._progress.phase,
                "attempt": self._progress.attempt,
                "last_checkpoint": self._latest_checkpoint,
                "error": None,
            }
        )

    @workflow.query(name=GET_LATEST_CHECKPOINT_QUERY)
    def get_latest_checkpoint(self) -> CheckpointInfo | None:
        """The newest checkpoint this run has been told of, if any."""
        return self._latest_checkpoint

    @workflow.query(name=GET_PROGRESS_QUERY)
    def get_progress(self) -> TrainingProgress:
        """Phase, step / total steps, epoch, loss, attempt and newest checkpoint of this run."""
        return self._progress
