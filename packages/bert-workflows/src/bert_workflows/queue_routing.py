"""Route child workflows started on a default queue name to the queue this worker fleet uses.

Workflows cannot read the worker's environment, so a coordinator whose input names no
``training_task_queue`` starts its training children on ``bert-training-task-queue``. A workflow
worker started with ``--training-task-queue`` / ``BERT_TRAINING_TASK_QUEUE`` (or the eval
counterparts) installs this interceptor, which rewrites those default names to the configured
ones. Every worker of a fleet is configured alike, so replay sees the same commands.
"""

import dataclasses
from collections.abc import Mapping
from typing import Any

from temporalio import workflow
from temporalio.worker import (
    Interceptor,
    StartChildWorkflowInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)


class _RoutingOutbound(WorkflowOutboundInterceptor):
    routes: Mapping[str, str] = {}

    async def start_child_workflow(
        self, input: StartChildWorkflowInput
    ) -> workflow.ChildWorkflowHandle[Any, Any]:
        routed = self.routes.get(input.task_queue or "")
        if routed is not None:
            input = dataclasses.replace(input, task_queue=routed)
        return await super().start_child_workflow(input)


class ChildQueueRouting(Interceptor):
    """Rewrites child-workflow task queues by name, e.g. the default training queue to ``q``."""

    def __init__(self, routes: Mapping[str, str]) -> None:
        self.routes = {default: actual for default, actual in routes.items() if default != actual}

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        """An inbound interceptor whose outbound side applies the routes."""
        if not self.routes:
            return None
        outbound_class = type("RoutingOutbound", (_RoutingOutbound,), {"routes": dict(self.routes)})

        class RoutingInbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                super().init(outbound_class(outbound))

        return RoutingInbound
