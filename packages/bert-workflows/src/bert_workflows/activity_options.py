"""Timeouts and retry policies of every activity a workflow schedules, from an ``ExecutionPolicy``.

Snapshot: minutes, retried. Fine-tune: hours per attempt, a heartbeat timeout so a lost worker is
noticed within about a minute, exactly one attempt per scheduling (the training workflow
re-schedules it itself so that each attempt gets the newest checkpoint). Eval and inference:
minutes, heartbeat timeout, retried. Bad input (``NON_RETRYABLE_ERROR_TYPES``) is never retried.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from bert_types.errors import NON_RETRYABLE_ERROR_TYPES
from bert_types.execution import ExecutionPolicy
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.workflow import ActivityCancellationType

ResultT = TypeVar("ResultT")

RETRY_BACKOFF_COEFFICIENT = 2.0
"""Growth of the wait between attempts."""
RETRY_MAXIMUM_INTERVAL_FACTOR = 100
"""The wait between attempts never exceeds this many initial intervals."""


@dataclass(frozen=True)
class ActivityOptions:
    """How one activity is scheduled: timeouts, retries and cancellation."""

    start_to_close_timeout: timedelta
    retry_policy: RetryPolicy
    heartbeat_timeout: timedelta | None = None
    cancellation_type: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL


def retry_policy(policy: ExecutionPolicy, maximum_attempts: int) -> RetryPolicy:
    """Exponential backoff from ``retry_initial_interval_s``; bad input is not retried."""
    initial = timedelta(seconds=policy.retry_initial_interval_s)
    return RetryPolicy(
        initial_interval=initial,
        backoff_coefficient=RETRY_BACKOFF_COEFFICIENT,
        maximum_interval=initial * RETRY_MAXIMUM_INTERVAL_FACTOR,
        maximum_attempts=maximum_attempts,
        non_retryable_error_types=list(NON_RETRYABLE_ERROR_TYPES),
    )


def retry_delay(policy: ExecutionPolicy, failed_attempts: int) -> timedelta:
    """Wait before the next attempt after ``failed_attempts`` failures (same curve as Temporal)."""
    initial = timedelta(seconds=policy.retry_initial_interval_s)
    factor = min(
        RETRY_BACKOFF_COEFFICIENT ** max(failed_attempts - 1, 0), RETRY_MAXIMUM_INTERVAL_FACTOR
    )
    return initial * factor


def snapshot_options(policy: ExecutionPolicy) -> ActivityOptions:
    """Options of ``create_dataset_snapshot``: idempotent by content hash, so retried freely."""
    return ActivityOptions(
        start_to_close_timeout=timedelta(seconds=policy.snapshot_timeout_s),
        retry_policy=retry_policy(policy, policy.snapshot_max_attempts),
    )


def fine_tune_attempt_options(policy: ExecutionPolicy) -> ActivityOptions:
    """Options of ONE ``fine_tune_bert`` attempt; the training workflow loops over attempts.

    The workflow waits for a cancelled attempt to finish so the checkpoint it saves on cancel is
    complete before the workflow reports cancellation.
    """
    return ActivityOptions(
        start_to_close_timeout=timedelta(seconds=policy.fine_tune_timeout_s),
        heartbeat_timeout=timedelta(seconds=policy.heartbeat_timeout_s),
        retry_policy=retry_policy(policy, maximum_attempts=1),
        cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    )


def eval_options(policy: ExecutionPolicy) -> ActivityOptions:
    """Options of ``evaluate_bert_model`` and ``run_bert_inference``: read-only, retried."""
    return ActivityOptions(
        start_to_close_timeout=timedelta(seconds=policy.eval_timeout_s),
        heartbeat_timeout=timedelta(seconds=policy.heartbeat_timeout_s),
        retry_policy=retry_policy(policy, policy.eval_max_attempts),
    )


async def execute_activity_by_name(
    name: str, arg: object, result_type: type[ResultT], options: ActivityOptions
) -> ResultT:
    """Run activity ``name`` on the workflow's own task queue and decode its result."""
    result: ResultT = await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=options.start_to_close_timeout,
        heartbeat_timeout=options.heartbeat_timeout,
        retry_policy=options.retry_policy,
        cancellation_type=options.cancellation_type,
    )
    return result
