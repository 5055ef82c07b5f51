"""``bert status``, ``bert checkpoint`` and ``bert cancel``: look at or stop running work."""

from pathlib import Path
from typing import Annotated

import typer
from bert_types import names as bert_names
from rich.markup import escape

from bert_client.cli.common import connect_client, console, exits_cleanly, run_async, write_json
from bert_client.cli.render import checkpoint_table, progress_table, results_table, training_table
from bert_client.client import BertClient
from bert_client.errors import BertClientError, RemoteWorkflowError, WorkflowNotFoundError


@exits_cleanly
def status(
    ctx: typer.Context,
    workflow_id: Annotated[
        str, typer.Argument(help="Experiment id, training workflow id or run id.")
    ],
) -> None:
    """Show the progress (and results, once done) of an experiment or a training run."""

    async def main() -> None:
        client = await connect_client(ctx)
        try:
            summary = await client.describe(workflow_id)
        except WorkflowNotFoundError:
            summary = await client.describe(await client.resolve_training_workflow(workflow_id))
        console.print(
            f"{escape(summary.workflow_type)} [bold]{escape(summary.workflow_id)}[/bold]: "
            f"{summary.status} (started {summary.start_time:%Y-%m-%d %H:%M:%S} UTC)",
            highlight=False,
        )
        if summary.workflow_type == bert_names.COORDINATOR_WORKFLOW:
            await _show_experiment(client, summary.workflow_id, summary.status)
        elif summary.workflow_type == bert_names.TRAINING_WORKFLOW:
            progress = await client.training_progress(summary.workflow_id)
            console.print(training_table(summary.workflow_id, progress))

    run_async(main())


async def _show_experiment(client: BertClient, experiment_id: str, state: str) -> None:
    try:
        console.print(progress_table(await client.experiment_progress(experiment_id)))
    except BertClientError as error:
        console.print(f"[yellow]progress unavailable:[/yellow] {escape(str(error))}")
    if state == "running":
        return
    try:
        results = await client.experiment_results(experiment_id)
    except RemoteWorkflowError as error:
        console.print(f"[red]{escape(error.error_type or 'failed')}[/red]: {escape(error.message)}")
        return
    console.print(results_table(results))


@exits_cleanly
def checkpoint(
    ctx: typer.Context,
    run: Annotated[
        str, typer.Argument(help="Run id, or the training workflow id <experiment>/train/<run>.")
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the checkpoint as JSON here.")
    ] = None,
) -> None:
    """Show the newest complete checkpoint of a run (where a resumed training starts)."""

    async def main() -> None:
        client = await connect_client(ctx)
        latest = await client.latest_checkpoint(run)
        if latest is None:
            console.print(f"run {escape(run)} has no checkpoint yet")
        else:
            console.print(checkpoint_table(run, latest))
        if json_out is not None:
            payload = latest.model_dump(mode="json") if latest is not None else None
            write_json(json_out, payload)

    run_async(main())


@exits_cleanly
def cancel(
    ctx: typer.Context,
    workflow_id: Annotated[str, typer.Argument(help="Experiment, training, eval or inference id.")],
) -> None:
    """Cancel a workflow; an experiment cancels its trainings and evaluations too."""

    async def main() -> None:
        client = await connect_client(ctx)
        await client.cancel(workflow_id)
        console.print(f"cancellation of {escape(workflow_id)} requested")

    run_async(main())
