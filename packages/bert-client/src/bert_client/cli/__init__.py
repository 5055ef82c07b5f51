"""The ``bert`` command line: one module per group of commands, registered here.

Add a command by writing its function in a module of this package and registering it below.
"""

import os
import sys
from typing import Any

import typer

from bert_client import sweep_cli
from bert_client.cli import experiment_commands, model_commands, stack_commands, workflow_commands
from bert_client.cli.common import connection_options


class BertApp(typer.Typer):
    """The ``bert`` app; calling it (the console script) exits without interpreter teardown.

    A short-lived process holding a Temporal client can abort while Python finalizes
    (temporalio/sdk-python#300), turning a good exit into a crash; ``os._exit`` avoids that.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line, flush the output and exit with the command's code."""
        try:
            super().__call__(*args, **kwargs)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
            if isinstance(exit_.code, str):
                print(exit_.code, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


app = BertApp(
    name="bert",
    help="Durable, parallel BERT fine-tuning and evaluation on Temporal.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
app.callback()(connection_options)
app.command()(experiment_commands.run)
app.command()(workflow_commands.status)
app.command()(workflow_commands.checkpoint)
app.command()(model_commands.infer)
app.command("eval")(model_commands.evaluate)
app.command()(workflow_commands.cancel)
app.command()(experiment_commands.validate)
app.command()(experiment_commands.schema)
app.command()(sweep_cli.sweep)
app.command("sweep-status")(sweep_cli.sweep_status)
app.command("sweep-stop")(sweep_cli.sweep_stop)
app.command()(stack_commands.dev)
app.command()(stack_commands.demo)
