"""``bert dev`` and ``bert demo``: the whole system on this machine."""

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer
from bert_types import BertEvalResult, RunStatus, TemporalConnectionSettings
from rich.markup import escape

from bert_client.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    connection_settings,
    console,
    exits_cleanly,
    run_async,
    write_json,
)
from bert_client.cli.experiment_commands import configs_table
from bert_client.cli.live_progress import follow_experiment
from bert_client.cli.render import result_record, results_table
from bert_client.client import BertClient
from bert_client.demo import DemoSize, demo_experiment, minilm_path, write_demo_dataset
from bert_client.local_stack import LocalStack, StackConfig, free_port, port_is_free
from bert_client.server_probe import queues_have_pollers, server_answers, stack_task_queues

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
DEMO_MIN_ACCURACY = 0.85

StateDirOption = Annotated[
    Path, typer.Option(help="Folder for the server's database file and the logs.")
]


async def _until_signalled(stop: asyncio.Event, stack: LocalStack) -> None:
    """Return when SIGINT/SIGTERM arrives; raise when a child of the stack dies."""
    while not stop.is_set():
        stack.raise_if_failed()
        try:
            await asyncio.wait_for(stop.wait(), timeout=1.0)
        except TimeoutError:
            continue


async def _serve(stack: LocalStack) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    config = stack.config
    console.print(f"starting the local stack (logs in {config.state_dir / 'logs'}) ...")
    starting = asyncio.create_task(stack.start())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            console.print("stopped before the stack was ready")
            return
        starting.result()
        stopping.cancel()
        console.print(f"[green]ready[/green]: Temporal at {config.address}", highlight=False)
        if config.ui_url:
            console.print(f"web UI: {config.ui_url}", highlight=False)
        for name, pid in stack.pids.items():
            console.print(f"  {name}: pid {pid}, log {config.state_dir / 'logs' / name}.log")
        console.print("press Ctrl-C to stop everything")
        await _until_signalled(stop, stack)
    finally:
        stopping.cancel()
        stack.stop()
        console.print("local stack stopped")


@exits_cleanly
def dev(
    *,
    port: Annotated[int, typer.Option(help="gRPC port of the Temporal server.")] = 7233,
    ui_port: Annotated[
        int | None, typer.Option(help="Web UI port; default the gRPC port + 1000.")
    ] = None,
    headless: Annotated[bool, typer.Option(help="Run without the web UI.")] = False,
    state_dir: StateDirOption = Path(".bert"),
    artifact_root: Annotated[
        str | None, typer.Option(help="Where runs are saved (workers' BERT_ARTIFACT_ROOT).")
    ] = None,
    snapshot_root: Annotated[
        str | None, typer.Option(help="Where snapshots are saved (workers' BERT_SNAPSHOT_ROOT).")
    ] = None,
) -> None:
    """Run a Temporal dev server and the three fleets here until Ctrl-C."""
    stack = LocalStack(
        StackConfig(
            state_dir=state_dir,
            port=port,
            ui_port=ui_port,
            ui=not headless,
            artifact_root=artifact_root,
            snapshot_root=snapshot_root,
        )
    )
    run_async(_serve(stack))


async def stack_is_serving(address: str) -> bool:
    """Whether a Temporal server answers at ``address`` and workers poll both bert queues."""
    if not await server_answers(address):
        return False
    client = await BertClient.connect(TemporalConnectionSettings(address=address))
    return await queues_have_pollers(client.temporal, stack_task_queues())


def _demo_stack_config(state_dir: Path, address: str) -> StackConfig:
    """Ports for a demo stack: the default ones when free, else any free ones."""
    port = int(address.rsplit(":", 1)[-1]) if ":" in address else 7233
    if not (port_is_free(port) and port_is_free(port + 1000)):
        port = free_port()
    ui_port = port + 1000 if port_is_free(port + 1000) else free_port()
    return StackConfig(state_dir=state_dir, port=port, ui_port=ui_port, extra_env=OFFLINE_ENV)


@asynccontextmanager
async def _demo_stack(settings: TemporalConnectionSettings, state_dir: Path) -> AsyncIterator[str]:
    """Yield the address of a serving stack: the running one, else one started and stopped here."""
    address = settings.address or "localhost:7233"
    if await stack_is_serving(address):
        console.print(f"using the stack already running at {address}", highlight=False)
        yield address
        return
    stack = LocalStack(_demo_stack_config(state_dir, address))
    console.print(
        f"starting a local stack on port {stack.config.port} (logs in {state_dir / 'logs'}); "
        "workers load torch, this takes a little while ..."
    )
    try:
        await stack.start()
        console.print(f"stack ready; watch it at {stack.config.ui_url}", highlight=False)
        yield stack.config.address
    finally:
        stack.stop()
        console.print("stopped the local stack the demo started")


@exits_cleanly
def demo(
    ctx: typer.Context,
    *,
    data_dir: Annotated[
        Path, typer.Option(help="Where the BBC News JSONL files are written.")
    ] = Path("demo-data/bbc-news"),
    output: Annotated[Path, typer.Option(help="Results JSON file.")] = Path("demo-results.json"),
    state_dir: StateDirOption = Path(".bert"),
    train_samples: Annotated[
        int, typer.Option(min=1, help="Training articles per config.")
    ] = DemoSize.train_rows,
    eval_samples: Annotated[
        int, typer.Option(min=1, help="Validation articles per config.")
    ] = DemoSize.eval_rows,
    epochs: Annotated[float, typer.Option(min=0.01, help="Epochs per config.")] = DemoSize.epochs,
    min_accuracy: Annotated[
        float, typer.Option(help="Exit 1 unless the best config reaches this accuracy.")
    ] = DEMO_MIN_ACCURACY,
) -> None:
    """Offline demo: BBC News, three all-MiniLM-L6-v2 configs, trained and evaluated here."""
    started = time.monotonic()
    data = write_demo_dataset(data_dir)
    console.print(
        f"BBC News written to {data.folder}: {data.num_train} train / {data.num_validation} "
        f"validation articles, labels {', '.join(data.label_names)}",
        highlight=False,
    )
    size = DemoSize(train_rows=train_samples, eval_rows=eval_samples, epochs=epochs)
    experiment = demo_experiment(data.folder, minilm_path(), size)
    console.print(configs_table(experiment))
    settings = connection_settings(ctx)

    async def main() -> list[BertEvalResult]:
        current = asyncio.current_task()
        assert current is not None
        # SIGTERM, like Ctrl-C, cancels this task, so the stack started here is stopped again
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, current.cancel)
        async with _demo_stack(settings, state_dir) as address:
            client = await BertClient.connect(settings.model_copy(update={"address": address}))
            handle = await client.start_experiment(experiment)
            console.print(f"experiment [bold]{handle.experiment_id}[/bold] started")
            try:
                return await follow_experiment(client, handle.experiment_id, console)
            except asyncio.CancelledError:  # Ctrl-C: a demo does not outlive its command
                console.print(f"interrupted: cancelling {handle.experiment_id}")
                await handle.cancel()
                raise

    try:
        results = run_async(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        raise typer.Exit(EXIT_INTERRUPTED) from None
    wall_s = time.monotonic() - started
    console.print(results_table(results, title="BBC News, all-MiniLM-L6-v2"))
    accuracies = [r.accuracy for r in results if r.accuracy is not None]
    best = max(accuracies, default=None)
    summary = {
        "experiment_id": experiment.experiment_id,
        "wall_time_s": round(wall_s, 1),
        "best_accuracy": best,
        "results": [result_record(result) for result in results],
    }
    write_json(output, summary)
    console.print(
        f"demo finished in {wall_s / 60:.1f} min; best accuracy "
        f"{'-' if best is None else f'{best:.4f}'}; results in {escape(str(output))}",
        highlight=False,
    )
    failed = [r.run_id for r in results if r.status != RunStatus.SUCCEEDED]
    if failed:
        console.print(f"[red]{len(failed)} config(s) did not succeed: {', '.join(failed)}[/red]")
        raise typer.Exit(EXIT_FAILED)
    if best is None or best < min_accuracy:
        console.print(f"[red]the best accuracy did not reach {min_accuracy}[/red]")
        raise typer.Exit(EXIT_FAILED)
