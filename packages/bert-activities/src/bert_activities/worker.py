"""The activity worker: ``--queue training`` (snapshot, fine-tune) or ``--queue eval``.

Run ``bert-activity-worker --queue training`` (or ``python -m bert_activities.worker``). It polls
one task queue for activity tasks only; workflows run in ``bert-workflow-worker``. Connection
settings come from flags, else ``TEMPORAL_*`` environment variables / the Temporal config file;
the queue name from ``--task-queue``, else ``BERT_TRAINING_TASK_QUEUE`` / ``BERT_EVAL_TASK_QUEUE``.
SIGTERM or SIGINT stops polling; a training in flight is told the worker is shutting down, saves a
checkpoint and fails its attempt retryably, so the training workflow resumes it elsewhere.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from bert_types.connection import add_connection_arguments, connect, settings_from_arguments
from bert_types.names import (
    ENV_ARTIFACT_ROOT,
    ENV_EVAL_TASK_QUEUE,
    ENV_SNAPSHOT_ROOT,
    ENV_TRAINING_TASK_QUEUE,
    EVAL_TASK_QUEUE,
    TRAINING_TASK_QUEUE,
)
from bert_types.worker_options import add_worker_arguments
from temporalio import activity
from temporalio.common import WorkerDeploymentVersion
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
    WorkerDeploymentConfig,
)

from bert_activities.ml_stack import preload_ml_stack

WORKER_NAME = "bert-activity-worker"
DEPLOYMENT_NAME = "bert-activities"
LOG_FORMAT = "%(asctime)s %(levelname)s {worker}[%(process)d] %(name)s: %(message)s"
DEFAULT_MAX_CONCURRENT = {"training": 1, "eval": 2}
"""One training per GPU worker; eval is light enough to run two at once."""
MAX_HEARTBEAT_THROTTLE = timedelta(seconds=5)
"""Heartbeats reach the server at least this often, so a cancel reaches training within ~5 s."""
DEFAULT_QUEUE_NAMES = {
    "training": (ENV_TRAINING_TASK_QUEUE, TRAINING_TASK_QUEUE),
    "eval": (ENV_EVAL_TASK_QUEUE, EVAL_TASK_QUEUE),
}

logger = logging.getLogger(__name__)


def package_version() -> str:
    """The installed version of bert-activities (the worker's build id)."""
    try:
        return version("bert-activities")
    except PackageNotFoundError:  # pragma: no cover - source tree without metadata
        return "0.0.0+unknown"


def activities_for(queue: str) -> Sequence[Callable[..., Any]]:
    """The activity functions served on ``training`` or ``eval``."""
    from bert_activities.activities import EVAL_ACTIVITY_FUNCTIONS, TRAINING_ACTIVITY_FUNCTIONS

    functions: Sequence[Callable[..., Any]] = (
        TRAINING_ACTIVITY_FUNCTIONS if queue == "training" else EVAL_ACTIVITY_FUNCTIONS
    )
    return functions


class _RunLoggingInbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        run_id = next((getattr(arg, "run_id", None) for arg in input.args), None)
        label = (
            f"{info.activity_type} for run {run_id or '-'} of workflow {info.workflow_id} "
            f"(attempt {info.attempt})"
        )
        logger.info("%s started on %s", label, info.task_queue)
        began = time.monotonic()
        try:
            result = await super().execute_activity(input)
        except BaseException as error:
            logger.warning(
                "%s ended after %.1fs: %s: %s",
                label,
                time.monotonic() - began,
                type(error).__name__,
                error,
            )
            raise
        logger.info("%s completed in %.1fs", label, time.monotonic() - began)
        return result


class RunLoggingInterceptor(Interceptor):
    """Logs start and end of every activity with its run id, attempt and queue."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        """Wrap activity execution with start/end log lines."""
        return _RunLoggingInbound(next)


def build_worker(
    client: Any,
    queue: str,
    task_queue: str,
    *,
    max_concurrent_activities: int,
    graceful_shutdown: timedelta,
    build_id: str | None = None,
    use_worker_versioning: bool = False,
) -> Worker:
    """An activity-only Worker for ``queue`` (``training`` or ``eval``) polling ``task_queue``."""
    return Worker(
        client,
        task_queue=task_queue,
        activities=list(activities_for(queue)),
        activity_executor=ThreadPoolExecutor(
            max_workers=max_concurrent_activities + 1, thread_name_prefix=f"bert-{queue}"
        ),
        max_concurrent_activities=max_concurrent_activities,
        graceful_shutdown_timeout=graceful_shutdown,
        max_heartbeat_throttle_interval=MAX_HEARTBEAT_THROTTLE,
        interceptors=[RunLoggingInterceptor()],
        deployment_config=WorkerDeploymentConfig(
            version=WorkerDeploymentVersion(
                deployment_name=DEPLOYMENT_NAME, build_id=build_id or package_version()
            ),
            use_worker_versioning=use_worker_versioning,
        ),
    )


def parser() -> argparse.ArgumentParser:
    """Command-line flags of the activity worker."""
    cli = argparse.ArgumentParser(prog=WORKER_NAME, description=__doc__.split("\n")[0])
    cli.add_argument(
        "--queue",
        choices=("training", "eval"),
        required=True,
        help="training: snapshot + fine-tune; eval: evaluate + inference",
    )
    cli.add_argument(
        "--task-queue",
        default=None,
        help=f"task queue name (default: env {ENV_TRAINING_TASK_QUEUE} / {ENV_EVAL_TASK_QUEUE}, "
        f"else {TRAINING_TASK_QUEUE} / {EVAL_TASK_QUEUE})",
    )
    add_connection_arguments(cli)
    cli.add_argument(
        "--artifact-root",
        default=None,
        help=f"where runs are saved (sets {ENV_ARTIFACT_ROOT}; default: env, else bert_runs)",
    )
    cli.add_argument(
        "--snapshot-root",
        default=None,
        help=f"where snapshots are saved (sets {ENV_SNAPSHOT_ROOT}; default: env, else "
        "data_snapshots)",
    )
    cli.add_argument(
        "--max-concurrent-activities",
        type=int,
        default=None,
        help="activities run at once (default: 1 for training, 2 for eval)",
    )
    cli.add_argument(
        "--graceful-shutdown-s",
        type=float,
        default=30.0,
        help="seconds running activities get after SIGTERM before they are cancelled "
        "(default %(default)s)",
    )
    add_worker_arguments(cli, "bert-activities")
    return cli


def task_queue_name(queue: str, explicit: str | None) -> str:
    """``--task-queue``, else the queue's environment variable, else its default name."""
    env_name, default = DEFAULT_QUEUE_NAMES[queue]
    return explicit or os.environ.get(env_name) or default


def apply_roots(args: argparse.Namespace) -> None:
    """``--artifact-root`` / ``--snapshot-root`` become the environment the activities read."""
    if args.artifact_root:
        os.environ[ENV_ARTIFACT_ROOT] = args.artifact_root
    if args.snapshot_root:
        os.environ[ENV_SNAPSHOT_ROOT] = args.snapshot_root


async def serve(args: argparse.Namespace) -> None:
    """Connect, build the worker and run it until SIGTERM / SIGINT."""
    apply_roots(args)
    task_queue = task_queue_name(args.queue, args.task_queue)
    max_concurrent = args.max_concurrent_activities or DEFAULT_MAX_CONCURRENT[args.queue]
    client = await connect(settings_from_arguments(args))
    await asyncio.to_thread(preload_ml_stack)
    worker = build_worker(
        client,
        args.queue,
        task_queue,
        max_concurrent_activities=max_concurrent,
        graceful_shutdown=timedelta(seconds=args.graceful_shutdown_s),
        build_id=args.build_id,
        use_worker_versioning=args.use_worker_versioning,
    )
    logger.info(
        "polling %s (namespace %s) for activities %s; %d at once; artifacts %s, snapshots %s",
        task_queue,
        client.namespace,
        ", ".join(getattr(fn, "__name__", repr(fn)) for fn in activities_for(args.queue)),
        max_concurrent,
        os.environ.get(ENV_ARTIFACT_ROOT, "(request roots)"),
        os.environ.get(ENV_SNAPSHOT_ROOT, "(request roots)"),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            logger.info("%s received again: already shutting down", name)
            return
        logger.info("%s received: shutting down (running activities checkpoint and stop)", name)
        stop.set()
        if signum == signal.SIGINT:
            loop.remove_signal_handler(signum)  # a second Ctrl-C interrupts at once

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    running = asyncio.create_task(worker.run())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([running, stopped], return_when=asyncio.FIRST_COMPLETED)
    await worker.shutdown()
    await running
    logger.info("stopped")


def run(argv: Sequence[str] | None = None) -> None:
    """Parse flags, serve until SIGTERM / SIGINT and return after a clean shutdown."""
    args = parser().parse_args(argv)
    worker = f"{WORKER_NAME}[{args.queue}]"
    logging.basicConfig(
        level=args.log_level.upper(), format=LOG_FORMAT.format(worker=worker), force=True
    )
    asyncio.run(serve(args))


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point of ``bert-activity-worker``.

    Leaves without interpreter finalisation once the worker has shut down: the Temporal core's
    Rust threads can otherwise abort CPython's teardown (temporalio/sdk-python#300).
    """
    run(argv)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
