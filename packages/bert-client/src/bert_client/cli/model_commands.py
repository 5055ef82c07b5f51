"""``bert infer`` and ``bert eval``: use a trained run outside of an experiment."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from bert_types import BertEvalRequest, BertInferenceRequest
from bert_types.names import DEFAULT_ARTIFACT_ROOT
from pydantic import ValidationError
from rich.markup import escape

from bert_client.cli.common import (
    EXIT_INVALID_INPUT,
    connect_client,
    console,
    error_console,
    exits_cleanly,
    run_async,
    write_json,
)
from bert_client.cli.render import inference_records, inference_table, metrics_table
from bert_client.experiment_file import format_location

RunIdArgument = Annotated[str, typer.Argument(help="Run id of a trained run.")]
ModelPathOption = Annotated[
    str | None,
    typer.Option(help="Model folder; default <artifact root>/<run id> on the eval workers."),
]
ArtifactRootOption = Annotated[
    str,
    typer.Option(help="Artifact root of the run; default: the eval workers' BERT_ARTIFACT_ROOT."),
]
JsonOption = Annotated[Path | None, typer.Option("--json", help="Also write the result as JSON.")]


def read_texts(file: Path) -> list[str]:
    """Texts to predict: one per non-empty line, or JSONL rows with a ``text`` field."""
    lines = [line for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    if file.suffix.lower() != ".jsonl":
        return lines
    texts = []
    for number, line in enumerate(lines, start=1):
        row = json.loads(line)
        if isinstance(row, str):
            texts.append(row)
        elif isinstance(row, dict) and isinstance(row.get("text"), str):
            texts.append(row["text"])
        else:
            raise typer.BadParameter(f"{file} line {number}: expected a string or {{'text': ...}}")
    return texts


def build_request(model: type[Any], fields: dict[str, Any]) -> Any:
    """Validate a request model, exiting with code 2 and every bad field on failure."""
    try:
        return model.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as error:
        for item in error.errors():
            error_console.print(
                f"[red]invalid {escape(format_location(tuple(item['loc'])))}[/red]: "
                f"{escape(item['msg'])}"
            )
        raise typer.Exit(EXIT_INVALID_INPUT) from None


@exits_cleanly
def infer(
    ctx: typer.Context,
    *,
    run_id: RunIdArgument,
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to classify.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Texts, one per line (or JSONL with a 'text' field)."),
    ] = None,
    model_path: ModelPathOption = None,
    artifact_root: ArtifactRootOption = DEFAULT_ARTIFACT_ROOT,
    batch_size: Annotated[int, typer.Option(help="Texts per forward pass.")] = 32,
    max_seq_length: Annotated[int | None, typer.Option(help="Truncate texts to this.")] = None,
    json_out: JsonOption = None,
) -> None:
    """Predict labels (or values) for texts with a trained run; rows keep the input order."""
    all_texts = list(texts or []) + (read_texts(file) if file is not None else [])
    if not all_texts:
        error_console.print("[red]give texts as arguments or --file[/red]")
        raise typer.Exit(EXIT_INVALID_INPUT)
    request: BertInferenceRequest = build_request(
        BertInferenceRequest,
        {
            "run_id": run_id,
            "model_path": model_path,
            "artifact_root": artifact_root,
            "texts": all_texts,
            "batch_size": batch_size,
            "max_seq_length": max_seq_length,
        },
    )

    async def main() -> None:
        client = await connect_client(ctx)
        result = await client.infer(request)
        console.print(inference_table(all_texts, result))
        if json_out is not None:
            write_json(json_out, inference_records(all_texts, result))

    run_async(main())


@exits_cleanly
def evaluate(
    ctx: typer.Context,
    *,
    run_id: RunIdArgument,
    dataset: Annotated[
        str | None,
        typer.Option(help="Hub id or local file/folder; default: the run's own eval split."),
    ] = None,
    dataset_config: Annotated[str | None, typer.Option(help="Hub config, e.g. sst2.")] = None,
    split: Annotated[str | None, typer.Option(help="Split; default validation, else test.")] = None,
    snapshot_path: Annotated[
        str | None, typer.Option(help="Evaluate the eval split of this snapshot folder.")
    ] = None,
    max_samples: Annotated[int | None, typer.Option(help="Evaluate at most this many.")] = None,
    text_field: Annotated[str | None, typer.Option(help="Text column.")] = None,
    text_pair_field: Annotated[str | None, typer.Option(help="Second text column.")] = None,
    label_field: Annotated[str | None, typer.Option(help="Label column.")] = None,
    model_path: ModelPathOption = None,
    artifact_root: ArtifactRootOption = DEFAULT_ARTIFACT_ROOT,
    batch_size: Annotated[int, typer.Option(help="Rows per forward pass.")] = 64,
    json_out: JsonOption = None,
) -> None:
    """Evaluate a trained run on a dataset split and print its metrics."""
    request: BertEvalRequest = build_request(
        BertEvalRequest,
        {
            "run_id": run_id,
            "model_path": model_path,
            "artifact_root": artifact_root,
            "dataset_name": dataset,
            "dataset_config_name": dataset_config,
            "split": split,
            "snapshot_path": snapshot_path,
            "max_eval_samples": max_samples,
            "text_field": text_field,
            "text_pair_field": text_pair_field,
            "label_field": label_field,
            "batch_size": batch_size,
        },
    )

    async def main() -> None:
        client = await connect_client(ctx)
        result = await client.evaluate(request)
        console.print(metrics_table(result))
        if json_out is not None:
            write_json(json_out, result.model_dump(mode="json"))

    run_async(main())
