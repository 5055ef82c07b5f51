"""Cheap questions to a Temporal server: does it answer, and do workers poll the task queues?"""

import asyncio
import os
from datetime import timedelta

from bert_types import names as bert_names
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client


def stack_task_queues() -> tuple[str, str]:
    """(training, eval) queue names; ``BERT_TRAINING_TASK_QUEUE``/``BERT_EVAL_TASK_QUEUE`` win."""
    return (
        os.environ.get(bert_names.ENV_TRAINING_TASK_QUEUE) or bert_names.TRAINING_TASK_QUEUE,
        os.environ.get(bert_names.ENV_EVAL_TASK_QUEUE) or bert_names.EVAL_TASK_QUEUE,
    )


async def server_answers(address: str, timeout_s: float = 3.0) -> bool:
    """Whether a Temporal server answers a health check at ``address`` within ``timeout_s``."""
    try:
        client = await asyncio.wait_for(Client.connect(address), timeout=timeout_s)
        healthy = await client.service_client.check_health(timeout=timedelta(seconds=timeout_s))
    except Exception:
        return False
    return bool(healthy)


async def queues_have_pollers(client: Client, queues: tuple[str, ...]) -> bool:
    """Whether each queue has both a workflow poller and an activity poller."""
    kinds = (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
    for queue in queues:
        for kind in kinds:
            response = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=client.namespace,
                    task_queue=TaskQueue(name=queue),
                    task_queue_type=kind,
                )
            )
            if not response.pollers:
                return False
    return True
