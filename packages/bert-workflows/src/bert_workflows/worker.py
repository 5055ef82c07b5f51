"""The workflow worker: polls the training and eval task queues for workflow tasks only.

Run ``bert-workflow-worker`` (or ``python -m bert_workflows.worker``). It never runs activities and
never imports torch: activities are served by ``bert-activity-worker`` on the same queues.
Connection settings come from flags, else ``TEMPORAL_*`` environment variables / the Temporal
config file; queue names from flags, else ``BERT_TRAINING_TASK_QUEUE`` / ``BERT_EVAL_TASK_QUEUE``.
SIGTERM or SIGINT stops polling and lets in-flight workflow tasks finish.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version

from bert_types.connection import add_connection_arguments, connect, settings_from_arguments
from bert_types.names import (
    ENV_EVAL_TASK_QUEUE,
    ENV_TRAINING_TASK_QUEUE,
    EVAL_TASK_QUEUE,
    TRAINING_TASK_QUEUE,
)
from bert_types.worker_options import add_worker_arguments
from temporalio.client import Client
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import Worker, WorkerDeploymentConfig

from bert_workflows.queue_routing import ChildQueueRouting
from bert_workflows.registry import EVAL_QUEUE_WORKFLOWS, TRAINING_QUEUE_WORKFLOWS

WORKER_NAME = "bert-workflow-worker"
DEPLOYMENT_NAME = "bert-workflows"
LOG_FORMAT = "%(asctime)s %(levelname)s {worker}[%(process)d] %(name)s: %(message)s"

logger = logging.getLogger(__name__)


def package_version() -> str:
    """The installed version of bert-workflows (the worker's build id)."""
    try:
        return version("bert-workflows")
    except PackageNotFoundError:  # pragma: no cover - source tree without metadata
        return "0.0.0+unknown"


@dataclass(frozen=True)
class QueuePlan:
    """One Worker instance: a task queue and the workflows it serves there."""

    task_queue: str
    workflows: tuple[type, ...]


def deployment_config(build_id: str, use_worker_versioning: bool) -> WorkerDeploymentConfig:
    """Worker-versioning identity ``bert-workflows/<build id>``; opt-in, off by default."""
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(deployment_name=DEPLOYMENT_NAME, build_id=build_id),
        use_worker_versioning=use_worker_versioning,
        default_versioning_behavior=(
            VersioningBehavior.AUTO_UPGRADE
            if use_worker_versioning
            else VersioningBehavior.UNSPECIFIED
        ),
    )


def build_workers(
    client: Client,
    plans: Sequence[QueuePlan],
    *,
    build_id: str | None = None,
    use_worker_versioning: bool = False,
    max_concurrent_workflow_tasks: int | None = None,
    graceful_shutdown: timedelta = timedelta(seconds=10),
    queue_routes: Mapping[str, str] | None = None,
) -> list[Worker]:
    """One workflow-only Worker per queue, sandboxed, with the deployment version set.

    ``queue_routes`` maps default child task-queue names to this fleet's names (see
    :mod:`bert_workflows.queue_routing`).
    """
    config = deployment_config(build_id or package_version(), use_worker_versioning)
    interceptors = [ChildQueueRouting(queue_routes or {})]
    return [
        Worker(
            client,
            task_queue=plan.task_queue,
            workflows=list(plan.workflows),
            deployment_config=config,
            max_concurrent_workflow_tasks=max_concurrent_workflow_tasks,
            graceful_shutdown_timeout=graceful_shutdown,
            interceptors=interceptors,
        )
        for plan in plans
    ]


def queue_plans(training_task_queue: str, eval_task_queue: str, queues: str) -> list[QueuePlan]:
    """The Worker instances for ``--queue training|eval|all``."""
    plans = []
    if queues in ("training", "all"):
        plans.append(QueuePlan(training_task_queue, TRAINING_QUEUE_WORKFLOWS))
    if queues in ("eval", "all"):
        plans.append(QueuePlan(eval_task_queue, EVAL_QUEUE_WORKFLOWS))
    return plans


def parser() -> argparse.ArgumentParser:
    """Command-line flags of the workflow worker."""
    cli = argparse.ArgumentParser(prog=WORKER_NAME, description=__doc__.split("\n")[0])
    add_connection_arguments(cli)
    cli.add_argument(
        "--queue",
        choices=("training", "eval", "all"),
        default="all",
        help="which task queue(s) to poll (default: all)",
    )
    cli.add_argument(
        "--training-task-queue",
        default=os.environ.get(ENV_TRAINING_TASK_QUEUE, TRAINING_TASK_QUEUE),
        help=f"training task queue (env {ENV_TRAINING_TASK_QUEUE}, default %(default)s)",
    )
    cli.add_argument(
        "--eval-task-queue",
        default=os.environ.get(ENV_EVAL_TASK_QUEUE, EVAL_TASK_QUEUE),
        help=f"eval task queue (env {ENV_EVAL_TASK_QUEUE}, default %(default)s)",
    )
    cli.add_argument("--max-concurrent-workflow-tasks", type=int, default=None)
    cli.add_argument(
        "--graceful-shutdown-s",
        type=float,
        default=10.0,
        help="seconds in-flight tasks may take after SIGTERM (default %(default)s)",
    )
    add_worker_arguments(cli, "bert-workflows")
    return cli


async def run_until_signalled(workers: Sequence[Worker], stop: asyncio.Event) -> None:
    """Run ``workers`` until ``stop`` is set, then shut them down gracefully."""
    running = [asyncio.create_task(worker.run()) for worker in workers]
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*running, stopped], return_when=asyncio.FIRST_COMPLETED)
    await asyncio.gather(*(worker.shutdown() for worker in workers))
    await asyncio.gather(*running)
    for task in done:
        if task is not stopped:
            task.result()


def install_stop_signals(stop: asyncio.Event, action: str) -> None:
    """SIGTERM and SIGINT set ``stop``; repeated SIGTERMs are ignored, a second SIGINT interrupts.

    Ignoring repeats matters when a supervisor signals the whole process group (``timeout``,
    shell wrappers): the graceful shutdown must not be cut short by the copy of the signal.
    """
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            logger.info("%s received again: already %s", name, action)
            return
        logger.info("%s received: %s", name, action)
        stop.set()
        if signum == signal.SIGINT:
            loop.remove_signal_handler(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)


async def serve(args: argparse.Namespace) -> None:
    """Connect, build the workers for the chosen queues and run them until signalled."""
    client = await connect(settings_from_arguments(args))
    plans = queue_plans(args.training_task_queue, args.eval_task_queue, args.queue)
    workers = build_workers(
        client,
        plans,
        build_id=args.build_id,
        use_worker_versioning=args.use_worker_versioning,
        max_concurrent_workflow_tasks=args.max_concurrent_workflow_tasks,
        graceful_shutdown=timedelta(seconds=args.graceful_shutdown_s),
        queue_routes={
            TRAINING_TASK_QUEUE: args.training_task_queue,
            EVAL_TASK_QUEUE: args.eval_task_queue,
        },
    )
    for plan in plans:
        logger.info(
            "polling %s (namespace %s) for workflows %s; build id %s",
            plan.task_queue,
            client.namespace,
            ", ".join(cls.__name__ for cls in plan.workflows),
            args.build_id or package_version(),
        )
    stop = asyncio.Event()
    install_stop_signals(stop, "stopping after in-flight tasks")
    await run_until_signalled(workers, stop)
    logger.info("stopped")


def configure_logging(level: str, worker: str) -> None:
    """Log lines name the worker process; workflow lines add workflow id, run and queue."""
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT.format(worker=worker), force=True)


def run(argv: Sequence[str] | None = None) -> None:
    """Parse flags, serve until SIGTERM / SIGINT and return after a clean shutdown."""
    args = parser().parse_args(argv)
    configure_logging(args.log_level, WORKER_NAME)
    asyncio.run(serve(args))


def exit_without_teardown(code: int = 0) -> None:
    """Flush and leave without interpreter finalisation.

    The Temporal core's Rust threads can outlive the event loop and abort CPython's finalisation
    (``PyGILState_Release ... finalizing``, temporalio/sdk-python#300); the workers have already
    shut down cleanly when this runs.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point of ``bert-workflow-worker``."""
    run(argv)
    exit_without_teardown(0)


if __name__ == "__main__":
    main()
