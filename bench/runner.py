"""Run benchmarks, write one JSON per benchmark plus ``latest.json``, print one table.

``python bench/run_all.py [--quick] [--only NAME ...]``; each ``bench/bench_*.py`` script runs
only itself with the same flags.
"""

import argparse
import asyncio
import importlib
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.context import BenchContext
from bench.harness import (
    RESULTS_DIR,
    BenchResult,
    CpuSampler,
    format_table,
    machine_description,
    result_payload,
    write_json,
)

BenchFunction = Callable[[BenchContext], Awaitable[BenchResult]]


BENCHMARK_MODULES: dict[str, str] = {
    "pipeline_overhead": "bench.bench_pipeline_overhead",
    "trial_cost": "bench.bench_trial_cost",
    "inference": "bench.bench_inference",
    "checkpoint_cost": "bench.bench_checkpoint_cost",
    "resume": "bench.bench_resume",
    "snapshot": "bench.bench_snapshot",
}
"""Every benchmark, in issue order (1 pipeline overhead ... 6 snapshot), by name."""


@dataclass(frozen=True)
class Benchmark:
    """A registered benchmark: its name, its title and its coroutine."""

    name: str
    title: str
    run: BenchFunction


def load_benchmark(name: str) -> Benchmark:
    """Import the module of benchmark ``name`` (only the chosen ones are imported)."""
    module = importlib.import_module(BENCHMARK_MODULES[name])
    return Benchmark(module.NAME, module.TITLE, module.run)


def _quiet_libraries() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    from datasets.utils.logging import disable_progress_bar as disable_datasets_bars
    from transformers.utils.logging import disable_progress_bar, set_verbosity_error

    disable_progress_bar()
    disable_datasets_bars()
    set_verbosity_error()


def _limit_threads(threads: int) -> None:
    """Pin torch's intra-op threads here and, through the environment, in every worker."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    import torch

    torch.set_num_threads(threads)


async def run_benchmarks(
    selected: list[str], context: BenchContext, results_dir: Path
) -> list[BenchResult]:
    """Run ``selected`` one after another; a failure is recorded and the next one still runs."""
    started = datetime.now(UTC)
    machine = machine_description()
    results: list[BenchResult] = []
    try:
        for name in selected:
            print(f"[bench] {name} ...", flush=True)
            begin = time.perf_counter()
            title = name
            with CpuSampler() as sampler:
                try:
                    benchmark = load_benchmark(name)
                    title = benchmark.title
                    result = await benchmark.run(context)
                except Exception as error:
                    result = BenchResult(
                        name=name,
                        title=title,
                        status="failed",
                        error=f"{type(error).__name__}: {error}",
                        notes=[traceback.format_exc(limit=8)],
                    )
            result.duration_s = round(time.perf_counter() - begin, 1)
            result.machine_during = sampler.summary()
            status = result.status if result.status != "ok" else f"{result.duration_s:.0f}s"
            print(f"[bench] {name}: {status} {result.error or ''}".rstrip(), flush=True)
            write_json(
                results_dir / f"{name}.json",
                result_payload(result, machine, context.quick),
            )
            results.append(result)
    finally:
        await context.close()
    table = format_table(results)
    write_json(
        results_dir / "latest.json",
        {
            "quick": context.quick,
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine_at_start": machine,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "table": table.splitlines(),
            "results": [result_payload(r, machine, context.quick) for r in results],
        },
    )
    return results


def main(argv: list[str] | None = None, only: str | None = None) -> int:
    """Parse flags, run the chosen benchmarks, print the table; exit 1 when one failed."""
    names = list(BENCHMARK_MODULES)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny workloads")
    parser.add_argument("--only", nargs="+", choices=names, help="run only these benchmarks")
    parser.add_argument("--skip", nargs="+", choices=names, default=[], help="skip these")
    parser.add_argument(
        "--results-dir",
        type=Path,
        help=f"where JSON goes (default {RESULTS_DIR}, or its quick/ subfolder with --quick)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads of the bench process and every worker (sets OMP_NUM_THREADS); "
        "default: torch's own choice (one per core). 1 steadies figures on a busy machine",
    )
    parser.add_argument("--keep-work-dir", action="store_true", help="keep temp folder and logs")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile the system side with pyinstrument (text reports beside the JSON)",
    )
    args = parser.parse_args(argv)
    wanted = [only] if only else (args.only or names)
    selected = [name for name in names if name in wanted and name not in args.skip]
    results_dir = args.results_dir or (RESULTS_DIR / "quick" if args.quick else RESULTS_DIR)
    if results_dir == RESULTS_DIR / "quick":
        results_dir.mkdir(parents=True, exist_ok=True)
        (results_dir / ".gitignore").write_text("# smoke-run results are not committed\n*\n")
    work_dir = Path(tempfile.mkdtemp(prefix="bert-bench-"))
    os.environ["HF_DATASETS_CACHE"] = str(work_dir / "hf-datasets-cache")
    if args.threads is not None:
        _limit_threads(args.threads)
    _quiet_libraries()
    context = BenchContext(
        quick=args.quick,
        work_dir=work_dir,
        profile_dir=results_dir / "profiles" if args.profile else None,
    )
    try:
        results = asyncio.run(run_benchmarks(selected, context, results_dir))
    finally:
        if args.keep_work_dir:
            print(f"[bench] work folder kept: {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    print()
    print(format_table(results))
    print(f"\nJSON: {results_dir}")
    return 1 if any(r.status == "failed" for r in results) else 0
