"""Timestamps of a workflow run read back from its Temporal history (and its children's).

Activity spans (scheduled → started → closed, with attempt and outcome), child workflow spans,
the time spent in workflow tasks and the signals received: the raw material for splitting the
system's wall time into work and orchestration.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from temporalio.client import Client


@dataclass
class ActivitySpan:
    """One scheduling of an activity (the last attempt's start when it was retried)."""

    name: str
    scheduled: float
    started: float | None = None
    closed: float | None = None
    attempt: int = 1
    outcome: str = "open"

    @property
    def schedule_to_start_s(self) -> float:
        """Seconds the task waited in its queue for a worker."""
        return (self.started or self.scheduled) - self.scheduled

    @property
    def execution_s(self) -> float:
        """Seconds from the worker's start of the task to its close."""
        if self.started is None or self.closed is None:
            return 0.0
        return self.closed - self.started


@dataclass
class ChildSpan:
    """A child workflow as its parent saw it."""

    workflow_id: str
    workflow_type: str
    initiated: float
    started: float | None = None
    closed: float | None = None


@dataclass
class Timeline:
    """What one workflow execution's history says about time."""

    workflow_id: str
    workflow_type: str
    started: float
    closed: float | None
    activities: list[ActivitySpan] = field(default_factory=list)
    children: list[ChildSpan] = field(default_factory=list)
    workflow_task_s: float = 0.0
    workflow_tasks: int = 0
    signals: dict[str, int] = field(default_factory=dict)
    signal_times: dict[str, list[float]] = field(default_factory=dict)

    def activity(self, name: str) -> list[ActivitySpan]:
        """Every span of activity ``name``, in scheduling order."""
        return [span for span in self.activities if span.name == name]


async def read_timeline(client: "Client", workflow_id: str) -> Timeline:
    """Parse the history of the latest run of ``workflow_id``."""
    from temporalio.api.enums.v1 import EventType

    history = await client.get_workflow_handle(workflow_id).fetch_history()
    timeline: Timeline | None = None
    activities: dict[int, ActivitySpan] = {}
    children: dict[int, ChildSpan] = {}
    task_scheduled: float | None = None
    for event in history.events:
        at = event.event_time.ToMicroseconds() / 1e6
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            attrs = event.workflow_execution_started_event_attributes
            timeline = Timeline(workflow_id, attrs.workflow_type.name, started=at, closed=None)
        elif timeline is None:
            continue
        elif kind in _CLOSED_WORKFLOW:
            timeline.closed = at
        elif kind == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            task_scheduled = at
        elif kind == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            if task_scheduled is not None:
                timeline.workflow_task_s += at - task_scheduled
                timeline.workflow_tasks += 1
            task_scheduled = None
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            name = event.workflow_execution_signaled_event_attributes.signal_name
            timeline.signals[name] = timeline.signals.get(name, 0) + 1
            timeline.signal_times.setdefault(name, []).append(at)
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attrs = event.activity_task_scheduled_event_attributes
            span = ActivitySpan(name=attrs.activity_type.name, scheduled=at)
            activities[event.event_id] = span
            timeline.activities.append(span)
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attrs = event.activity_task_started_event_attributes
            span = activities[attrs.scheduled_event_id]
            span.started, span.attempt = at, attrs.attempt
        elif kind in _CLOSED_ACTIVITY:
            attrs = getattr(event, _CLOSED_ACTIVITY[kind])
            span = activities[attrs.scheduled_event_id]
            span.closed = at
            span.outcome = _CLOSED_ACTIVITY[kind].split("_event")[0].removeprefix("activity_task_")
        elif kind == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            attrs = event.start_child_workflow_execution_initiated_event_attributes
            child = ChildSpan(attrs.workflow_id, attrs.workflow_type.name, initiated=at)
            children[event.event_id] = child
            timeline.children.append(child)
        elif kind == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
            started = event.child_workflow_execution_started_event_attributes
            children[started.initiated_event_id].started = at
        elif kind in _CLOSED_CHILD:
            attrs = getattr(event, _CLOSED_CHILD[kind])
            children[attrs.initiated_event_id].closed = at
    if timeline is None:
        raise ValueError(f"workflow {workflow_id} has no WorkflowExecutionStarted event")
    return timeline


async def read_tree(client: "Client", workflow_id: str) -> list[Timeline]:
    """The timeline of ``workflow_id`` followed by its children's (depth first)."""
    root = await read_timeline(client, workflow_id)
    found = [root]
    for child in root.children:
        found.extend(await read_tree(client, child.workflow_id))
    return found


def _event_tables() -> tuple[set[int], dict[int, str], dict[int, str]]:
    from temporalio.api.enums.v1 import EventType

    closed_workflow = {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    }
    closed_activity = {
        EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity_task_completed_event_attributes",
        EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity_task_failed_event_attributes",
        EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity_task_timed_out_event_attributes",
        EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: "activity_task_canceled_event_attributes",
    }
    closed_child = {
        EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED: (
            "child_workflow_execution_completed_event_attributes"
        ),
        EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED: (
            "child_workflow_execution_failed_event_attributes"
        ),
        EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED: (
            "child_workflow_execution_canceled_event_attributes"
        ),
        EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT: (
            "child_workflow_execution_timed_out_event_attributes"
        ),
        EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED: (
            "child_workflow_execution_terminated_event_attributes"
        ),
    }
    return closed_workflow, closed_activity, closed_child


_CLOSED_WORKFLOW, _CLOSED_ACTIVITY, _CLOSED_CHILD = _event_tables()
