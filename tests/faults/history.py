"""Read what really happened from a workflow's history: activity attempts, failures, timings."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

InputT = TypeVar("InputT")


@dataclass(frozen=True)
class ActivityRun:
    """One scheduling of an activity and how it ended, from the workflow history."""

    name: str
    scheduled_at: datetime
    started_at: datetime | None
    attempt: int | None
    outcome: str | None
    """``completed``, ``failed``, ``timed_out``, ``canceled`` or ``None`` while open."""
    ended_at: datetime | None


_OUTCOMES = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: ("completed", "activity_task_completed"),
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: ("failed", "activity_task_failed"),
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: ("timed_out", "activity_task_timed_out"),
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: ("canceled", "activity_task_canceled"),
}


async def activity_runs(handle: WorkflowHandle, name: str | None = None) -> list[ActivityRun]:
    """Every scheduling of activity ``name`` (all activities when ``None``), in history order.

    Temporal records one ``ActivityTaskStarted`` per scheduling, carrying the attempt number of
    the attempt that ended it; ``attempt == 1`` therefore means the activity ran exactly once.
    """
    scheduled: dict[int, tuple[str, datetime]] = {}
    started: dict[int, tuple[datetime, int]] = {}
    ended: dict[int, tuple[str, datetime]] = {}
    async for event in handle.fetch_history_events():
        when = event.event_time.ToDatetime(tzinfo=UTC)
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attributes = event.activity_task_scheduled_event_attributes
            scheduled[event.event_id] = (attributes.activity_type.name, when)
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attributes_started = event.activity_task_started_event_attributes
            started[attributes_started.scheduled_event_id] = (when, attributes_started.attempt)
        elif event.event_type in _OUTCOMES:
            outcome, field = _OUTCOMES[event.event_type]
            scheduled_id = getattr(event, f"{field}_event_attributes").scheduled_event_id
            ended[scheduled_id] = (outcome, when)
    runs: list[ActivityRun] = []
    for event_id, (activity, scheduled_at) in scheduled.items():
        if name is not None and activity != name:
            continue
        start = started.get(event_id)
        end = ended.get(event_id)
        runs.append(
            ActivityRun(
                name=activity,
                scheduled_at=scheduled_at,
                started_at=start[0] if start else None,
                attempt=start[1] if start else None,
                outcome=end[0] if end else None,
                ended_at=end[1] if end else None,
            )
        )
    return runs


async def count_events(handle: WorkflowHandle, event_type: "EventType.ValueType") -> int:
    """How many events of ``event_type`` the workflow's history holds."""
    count = 0
    async for event in handle.fetch_history_events():
        count += event.event_type == event_type
    return count


def application_error(error: BaseException) -> ApplicationError | None:
    """The ``ApplicationError`` that ended a workflow: an activity's own error when an activity
    failed, else the workflow's. Its ``__cause__`` (the original exception) is not the answer.
    """
    first: ApplicationError | None = None
    current: BaseException | None = (
        error.cause if isinstance(error, WorkflowFailureError) else error
    )
    while isinstance(current, FailureError):
        if isinstance(current, ActivityError):
            return current.cause if isinstance(current.cause, ApplicationError) else None
        if first is None and isinstance(current, ApplicationError):
            first = current
        current = current.cause
    return first


def failure_text(error: BaseException) -> str:
    """Every message along a failure chain, joined: what a user would read."""
    parts = []
    current: BaseException | None = error
    while current is not None:
        parts.append(current.message if isinstance(current, FailureError) else str(current))
        current = current.cause if isinstance(current, FailureError) else current.__cause__
    return " | ".join(parts)


async def activity_inputs(
    handle: WorkflowHandle, name: str, input_type: type[InputT]
) -> list[InputT]:
    """The decoded input of every scheduling of activity ``name``, in history order."""
    from temporalio.contrib.pydantic import pydantic_data_converter

    inputs: list[InputT] = []
    async for event in handle.fetch_history_events():
        if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        attributes = event.activity_task_scheduled_event_attributes
        if attributes.activity_type.name != name:
            continue
        [decoded] = pydantic_data_converter.payload_converter.from_payloads(
            list(attributes.input.payloads), [input_type]
        )
        inputs.append(decoded)
    return inputs


async def activity_results(
    handle: WorkflowHandle, name: str, result_type: type[InputT]
) -> list[InputT]:
    """The decoded result of every completed run of activity ``name``, in history order."""
    from temporalio.contrib.pydantic import pydantic_data_converter

    names: dict[int, str] = {}
    results: list[InputT] = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            names[event.event_id] = (
                event.activity_task_scheduled_event_attributes.activity_type.name
            )
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            attributes = event.activity_task_completed_event_attributes
            if names.get(attributes.scheduled_event_id) != name:
                continue
            [decoded] = pydantic_data_converter.payload_converter.from_payloads(
                list(attributes.result.payloads), [result_type]
            )
            results.append(decoded)
    return results
