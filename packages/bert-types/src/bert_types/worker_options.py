"""Command-line flags every worker entry point shares: build id, worker versioning, log level."""

import argparse
import os

from bert_types.names import ENV_LOG_LEVEL, ENV_USE_WORKER_VERSIONING


def add_worker_arguments(parser: argparse.ArgumentParser, package: str) -> None:
    """Add --build-id (default: ``package``'s version), --use-worker-versioning, --log-level."""
    parser.add_argument(
        "--build-id", default=None, help=f"worker build id (default: the {package} version)"
    )
    parser.add_argument(
        "--use-worker-versioning",
        action="store_true",
        default=os.environ.get(ENV_USE_WORKER_VERSIONING, "") in ("1", "true", "yes"),
        help=f"opt into Temporal worker versioning (env {ENV_USE_WORKER_VERSIONING}=1)",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get(ENV_LOG_LEVEL, "INFO"),
        help=f"logging level (env {ENV_LOG_LEVEL}, default %(default)s)",
    )
