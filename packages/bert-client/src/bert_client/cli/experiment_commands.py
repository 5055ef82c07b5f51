"""``bert run``, ``bert validate`` and ``bert schema``: experiments from files."""

import json
from pathlib import Path
from typing import Annotated

import typer
from bert_types import BertEvalResult, CoordinatorWorkflowInput, RunStatus, experiment_json_schema
from rich.table import Table
from rich.text import Text

from bert_client.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    connect_client,
    console,
    exits_cleanly,
    run_async,
    write_json,
)
from bert_client.cli.live_progress import follow_experiment
from bert_client.cli.render import result_record, results_table, short_name
from bert_client.experiment_file import load_experiment

ExperimentFile = Annotated[
    Path,
    typer.Argument(help="Experiment file (YAML or JSON): a CoordinatorWorkflowInput."),
]


def report_results(results: list[BertEvalResult], json_out: Path | None) -> None:
    """Print the results table, write ``json_out``, and exit 1 when any config did not succeed."""
    console.print(results_table(results))
    if json_out is not None:
        write_json(json_out, [result_record(result) for result in results])
        console.print(f"results written to {json_out}")
    failed = [result.run_id for result in results if result.status != RunStatus.SUCCEEDED]
    if failed:
        console.print(f"[red]{len(failed)} of {len(results)} configs did not succeed[/red]")
        raise typer.Exit(EXIT_FAILED)


@exits_cleanly
def run(
    ctx: typer.Context,
    file: ExperimentFile,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write per-config results to this JSON file.")
    ] = None,
    detach: Annotated[
        bool, typer.Option("--detach", help="Print the experiment id and return at once.")
    ] = False,
    experiment_id: Annotated[
        str | None, typer.Option("--id", help="Experiment (workflow) id; overrides the file's.")
    ] = None,
) -> None:
    """Start an experiment, follow each config's progress, then print the results."""
    experiment = load_experiment(file)
    started: list[str] = []

    async def main() -> list[BertEvalResult] | None:
        client = await connect_client(ctx)
        handle = await client.start_experiment(experiment, experiment_id=experiment_id)
        started.append(handle.experiment_id)
        if detach:
            console.print(handle.experiment_id, highlight=False)
            return None
        console.print(f"experiment [bold]{handle.experiment_id}[/bold] started on {client.address}")
        return await follow_experiment(client, handle.experiment_id, console)

    try:
        results = run_async(main())
    except KeyboardInterrupt:
        name = started[0] if started else "ID"
        console.print(
            f"\nstopped following; the experiment keeps running on the server "
            f"(`bert status {name}` to follow it, `bert cancel {name}` to stop it)"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if results is not None:
        report_results(results, json_out)


@exits_cleanly
def validate(file: ExperimentFile) -> None:
    """Check an experiment file without starting anything (exit code 2 when invalid)."""
    experiment = load_experiment(file)
    console.print(configs_table(experiment))
    console.print(f"[green]{file} is valid[/green]: {len(experiment.configs)} config(s)")


def configs_table(experiment: CoordinatorWorkflowInput) -> Table:
    """Model, dataset and main hyperparameters of every config of an experiment."""
    table = Table(title=experiment.experiment_id or "experiment (id generated at start)")
    for column in ("#", "run id", "model", "dataset", "lr", "epochs", "batch", "seq len"):
        table.add_column(column, overflow="fold")
    for index, entry in enumerate(experiment.configs):
        config = entry.fine_tune
        dataset = short_name(config.dataset_name)
        if config.dataset_config_name:
            dataset += f"/{config.dataset_config_name}"
        table.add_row(
            str(index),
            Text(entry.run_id or config.run_id or "(derived)"),
            Text(short_name(config.model_name)),
            Text(dataset),
            f"{config.learning_rate:g}",
            f"{config.num_epochs:g}" if config.max_steps is None else f"{config.max_steps} steps",
            str(config.batch_size),
            str(config.max_seq_length),
        )
    return table


def schema() -> None:
    """Print the JSON Schema of experiment files (for editors and CI)."""
    typer.echo(json.dumps(experiment_json_schema(), indent=2, sort_keys=True))
