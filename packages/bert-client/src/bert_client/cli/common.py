"""What every command shares: connection options, the console, async running and error exits."""

import asyncio
import functools
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from bert_types import TemporalConnectionSettings
from rich.console import Console
from rich.markup import escape

from bert_client.client import BertClient
from bert_client.errors import BertClientError
from bert_client.experiment_file import ExperimentFileError

PIPED_WIDTH = 160
"""Width of tables written to a file or pipe (a terminal uses its own width)."""

console = Console(width=None if sys.stdout.isatty() else PIPED_WIDTH)
error_console = Console(stderr=True, width=None if sys.stderr.isatty() else PIPED_WIDTH)

EXIT_FAILED = 1
"""A command could not do its job (server unreachable, workflow failed, a config failed)."""
EXIT_INVALID_INPUT = 2
"""The input (experiment file, options) is invalid; nothing was started."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C."""

P = ParamSpec("P")
T = TypeVar("T")


def connection_options(
    ctx: typer.Context,
    *,
    address: Annotated[
        str | None,
        typer.Option(
            help="Temporal frontend host:port (env TEMPORAL_ADDRESS; default localhost:7233)."
        ),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(help="Temporal namespace (env TEMPORAL_NAMESPACE; default: default)."),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(help="API key, e.g. for Temporal Cloud (turns TLS on; env TEMPORAL_API_KEY)."),
    ] = None,
    tls_cert: Annotated[
        str | None,
        typer.Option(help="mTLS client certificate file (env TEMPORAL_TLS_CLIENT_CERT_PATH)."),
    ] = None,
    tls_key: Annotated[
        str | None,
        typer.Option(help="mTLS client key file (env TEMPORAL_TLS_CLIENT_KEY_PATH)."),
    ] = None,
) -> None:
    """Durable, parallel BERT fine-tuning and evaluation on Temporal."""
    ctx.obj = TemporalConnectionSettings(
        address=address,
        namespace=namespace,
        api_key=api_key,
        tls_cert_path=tls_cert,
        tls_key_path=tls_key,
    )


def write_json(path: Path, payload: Any) -> None:
    """Write ``payload`` as indented JSON to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def connection_settings(ctx: typer.Context) -> TemporalConnectionSettings:
    """The connection settings given to ``bert`` before the command."""
    root = ctx.find_root()
    if isinstance(root.obj, TemporalConnectionSettings):
        return root.obj
    return TemporalConnectionSettings()


async def connect_client(ctx: typer.Context) -> BertClient:
    """Connect to the Temporal server named by the global options or the environment."""
    return await BertClient.connect(connection_settings(ctx))


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine to completion."""
    return asyncio.run(coroutine)


def exits_cleanly(command: Callable[P, T]) -> Callable[P, T]:
    """Turn SDK errors into a red one-line message and an exit code instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return command(*args, **kwargs)
        except ExperimentFileError as error:
            error_console.print(
                f"[red]invalid experiment file[/red] {escape(str(error))}", highlight=False
            )
            raise typer.Exit(EXIT_INVALID_INPUT) from None
        except BertClientError as error:
            error_console.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
            raise typer.Exit(EXIT_FAILED) from None

    return wrapper
