"""``bert sweep``, ``bert sweep-status`` and ``bert sweep-stop``: hyperparameter sweeps."""

import json
from pathlib import Path
from typing import Annotated

import typer
from bert_types import SweepLeaderboard, SweepStatus, SweepTrial, SweepTrialStatus
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from bert_client.cli.common import EXIT_FAILED, connect_client, console, exits_cleanly, run_async
from bert_client.sweep_file import load_sweep
from bert_client.sweeps import SweepHandle, get_sweep, start_sweep

EXIT_INTERRUPTED = 130
"""Ctrl-C while following a sweep: the sweep itself keeps running on the server."""

TRIAL_STYLE = {
    SweepTrialStatus.SUCCEEDED: "green",
    SweepTrialStatus.RUNNING: "cyan",
    SweepTrialStatus.PRUNED: "dim",
    SweepTrialStatus.FAILED: "red",
    SweepTrialStatus.CANCELLED: "yellow",
    SweepTrialStatus.SKIPPED: "dim",
}


def _value(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def params_text(trial: SweepTrial) -> str:
    """A trial's parameters as ``name=value`` pairs."""
    return " ".join(f"{name}={_value(value)}" for name, value in trial.params.items())


def leaderboard_table(board: SweepLeaderboard) -> Table:
    """The trials ranked best first: parameters, objective, rung, steps and status."""
    rungs = len(board.rung_sizes)
    title = (
        f"sweep {escape(board.sweep_id)}: {board.status.value}, {board.algorithm.value}"
        + (
            f", rung {board.rung} of 0-{rungs - 1} (sizes {board.rung_sizes}, "
            f"budgets {', '.join(f'{b:g}' for b in board.rung_budgets)})"
            if rungs > 1
            else ""
        )
        + f", {board.running}/{board.max_concurrent_trials} running"
    )
    table = Table(title=title, title_justify="left")
    for column in ("rank", "trial", "run id", "params", board.objective.metric, "rung", "step"):
        table.add_column(column, overflow="fold")
    table.add_column("status")
    table.add_column("note", overflow="fold")
    for rank, trial in enumerate(board.trials, start=1):
        latest = trial.rungs[-1] if trial.rungs else None
        has_metric = trial.metric is not None and trial.status is not SweepTrialStatus.FAILED
        style = TRIAL_STYLE.get(trial.status, "white")
        note = trial.error or ""
        if latest is not None and latest.resumed_from_step is not None and not note:
            note = f"resumed from step {latest.resumed_from_step}"
        table.add_row(
            str(rank) if has_metric else "-",
            str(trial.index),
            escape(trial.run_id),
            escape(params_text(trial)),
            "-" if trial.metric is None else f"{trial.metric:.4f}",
            str(trial.rung) if rungs > 1 else "-",
            "-" if latest is None or latest.global_step is None else str(latest.global_step),
            f"[{style}]{trial.status.value}[/]",
            escape(note),
        )
    return table


def summary_line(board: SweepLeaderboard) -> str:
    """The best trial (or why there is none), and why the sweep stopped."""
    best = board.best
    text = (
        f"best: trial {best.index} ({escape(best.run_id)}) {board.objective.metric}="
        f"{best.metric:.4f} with {escape(params_text(best))}"
        if best is not None and best.metric is not None
        else "no trial succeeded"
    )
    if board.status is SweepStatus.STOPPED:
        text += f"; stopped: {escape(board.stop_reason or 'by request')}"
    return text


async def follow_sweep(
    handle: SweepHandle, output: Console, interval_s: float = 2.0
) -> SweepLeaderboard:
    """Show the live leaderboard of ``handle`` until the sweep ends; return the final one."""
    final: SweepLeaderboard | None = None
    with Live(console=output, auto_refresh=False, transient=True) as live:
        async for board in handle.watch(interval_s):
            final = board
            live.update(leaderboard_table(board), refresh=True)
    if final is None:  # pragma: no cover - watch always yields the final leaderboard
        raise RuntimeError(f"sweep {handle.sweep_id} ended without a leaderboard")
    return final


def report_sweep(board: SweepLeaderboard, json_out: Path | None) -> None:
    """Print the final table and summary, write ``json_out``; exit 1 when no trial succeeded."""
    console.print(leaderboard_table(board))
    console.print(summary_line(board), highlight=False)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(
            json.dumps(board.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8"
        )
        console.print(f"leaderboard written to {json_out}")
    if board.best is None:
        raise typer.Exit(EXIT_FAILED)


SweepFile = Annotated[
    Path, typer.Argument(help="Sweep file (YAML or JSON): a SweepConfig.", show_default=False)
]
JsonOut = Annotated[
    Path | None, typer.Option("--json", help="Write the final leaderboard to this JSON file.")
]
Interval = Annotated[float, typer.Option("--interval", min=0.2, help="Seconds between refreshes.")]


@exits_cleanly
def sweep(
    ctx: typer.Context,
    file: SweepFile,
    *,
    json_out: JsonOut = None,
    detach: Annotated[
        bool, typer.Option("--detach", help="Print the sweep id and return at once.")
    ] = False,
    sweep_id: Annotated[
        str | None, typer.Option("--id", help="Sweep (workflow) id; overrides the file's.")
    ] = None,
    interval: Interval = 2.0,
) -> None:
    """Start a hyperparameter sweep, show its live leaderboard, then print the final table."""
    config = load_sweep(file)
    started: list[str] = []

    async def main() -> SweepLeaderboard | None:
        client = await connect_client(ctx)
        handle = await start_sweep(client, config, sweep_id=sweep_id)
        started.append(handle.sweep_id)
        if detach:
            console.print(handle.sweep_id, highlight=False)
            return None
        console.print(f"sweep [bold]{escape(handle.sweep_id)}[/bold] started on {client.address}")
        return await follow_sweep(handle, console, interval)

    try:
        board = run_async(main())
    except KeyboardInterrupt:
        _detached_note(started)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if board is not None:
        report_sweep(board, json_out)


@exits_cleanly
def sweep_status(
    ctx: typer.Context,
    sweep_id: Annotated[str, typer.Argument(help="Sweep (workflow) id.", show_default=False)],
    watch: Annotated[
        bool, typer.Option("--watch", help="Follow the live leaderboard until the sweep ends.")
    ] = False,
    json_out: JsonOut = None,
    interval: Interval = 2.0,
) -> None:
    """Print a sweep's leaderboard (live while it runs, final once it ended)."""

    async def main() -> SweepLeaderboard:
        handle = get_sweep(await connect_client(ctx), sweep_id)
        if watch:
            return await follow_sweep(handle, console, interval)
        return await handle.leaderboard()

    try:
        board = run_async(main())
    except KeyboardInterrupt:
        _detached_note([sweep_id])
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if board.status is SweepStatus.RUNNING:
        console.print(leaderboard_table(board))
        console.print(summary_line(board), highlight=False)
        return
    report_sweep(board, json_out)


@exits_cleanly
def sweep_stop(
    ctx: typer.Context,
    sweep_id: Annotated[str, typer.Argument(help="Sweep (workflow) id.", show_default=False)],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the leaderboard).")] = None,
    cancel_running: Annotated[
        bool,
        typer.Option(
            "--cancel-running", help="Also cancel running trials (default: let them end)."
        ),
    ] = False,
) -> None:
    """Stop a sweep early: no new trials; results so far are kept and returned."""

    async def main() -> SweepLeaderboard:
        handle = get_sweep(await connect_client(ctx), sweep_id)
        return await handle.stop(reason=reason, cancel_running=cancel_running)

    board = run_async(main())
    console.print(leaderboard_table(board))
    console.print(
        f"sweep {escape(sweep_id)} is stopping; {board.running} trial(s) still running. "
        f"Final table: `bert sweep-status {escape(sweep_id)} --watch`",
        highlight=False,
    )


def _detached_note(started: list[str]) -> None:
    if started:
        console.print(
            f"\nsweep {escape(started[0])} keeps running on the server: follow it with "
            f"`bert sweep-status {escape(started[0])} --watch`, stop it with "
            f"`bert sweep-stop {escape(started[0])}`",
            highlight=False,
        )
