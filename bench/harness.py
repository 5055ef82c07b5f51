"""What every benchmark shares: its result record, the machine description, JSON output, the table.

Each benchmark runs the plain Hugging Face side and the bert-parallel side in the same run, on the
same machine, and reports a ratio: absolute seconds on a shared machine are noise, ratios less so.
"""

import json
import os
import platform
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

Status = Literal["ok", "failed", "skipped"]


@dataclass
class BenchResult:
    """One benchmark's outcome: a headline per side, the ratio, the target and every figure."""

    name: str
    title: str
    status: Status = "ok"
    plain: str = ""
    system: str = ""
    ratio: float | None = None
    ratio_label: str = ""
    target: str = ""
    target_met: bool | None = None
    gap: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    workload: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    duration_s: float = 0.0
    machine_during: dict[str, Any] = field(default_factory=dict)


def verdict(value: float, limit: float, *, at_most: bool) -> tuple[bool, str]:
    """Whether ``value`` meets ``limit`` (``≤`` if ``at_most``, else ``≥``) and the miss, if any."""
    met = value <= limit if at_most else value >= limit
    if met:
        return True, ""
    if at_most:
        return False, f"missed by {value - limit:.3g}, {(value / limit - 1) * 100:.1f}% over"
    return False, f"missed by {limit - value:.3g}, {(1 - value / limit) * 100:.1f}% under"


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_description() -> dict[str, Any]:
    """CPU, memory, load and library versions of this machine, right now."""
    import torch
    import transformers

    memory = psutil.virtual_memory()
    return {
        "cpu_model": _cpu_model(),
        "logical_cpus": psutil.cpu_count(logical=True),
        "torch_threads": torch.get_num_threads(),
        "omp_num_threads_env": os.environ.get("OMP_NUM_THREADS"),
        "memory_gib": round(memory.total / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "gpu": "none lent (CPU only)",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "platform": platform.platform(),
        "git_commit": _git_commit(),
        "utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


class CpuSampler:
    """Samples machine-wide CPU use and the load average in the background during a benchmark."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self._interval_s = interval_s
        self._samples: list[float] = []
        self._loads: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        psutil.cpu_percent(interval=None)
        while not self._stop.wait(self._interval_s):
            self._samples.append(psutil.cpu_percent(interval=None))
            self._loads.append(os.getloadavg()[0])

    def __enter__(self) -> "CpuSampler":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, Any]:
        """Mean CPU use (all cores, %) and the range of the 1-minute load average."""
        if not self._samples:
            return {}
        return {
            "cpu_busy_mean_pct": round(sum(self._samples) / len(self._samples), 1),
            "load_1min_min": round(min(self._loads), 2),
            "load_1min_max": round(max(self._loads), 2),
        }


def own_cpu_seconds() -> float:
    """User + system CPU seconds used so far by this process (all threads)."""
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


@contextmanager
def stopwatch(into: dict[str, float], key: str) -> Iterator[None]:
    """Add the wall seconds of the ``with`` block to ``into[key]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        into[key] = into.get(key, 0.0) + time.perf_counter() - start


def _json_default(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_json(path: Path, payload: object) -> None:
    """Write ``payload`` as indented JSON, atomically (``.tmp`` then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=_json_default, sort_keys=False) + "\n")
    tmp.replace(path)


def result_payload(result: BenchResult, machine: dict[str, Any], quick: bool) -> dict[str, Any]:
    """The JSON record of one benchmark."""
    return {"quick": quick, "machine": machine, **asdict(result)}


def format_table(results: list[BenchResult]) -> str:
    """One plain-text table: benchmark, plain HF, bert-parallel, ratio, target, verdict."""
    header = ("benchmark", "plain HF", "bert-parallel", "ratio", "target", "met")
    rows: list[tuple[str, ...]] = [header]
    for r in results:
        if r.status != "ok":
            met = r.status.upper()
        elif r.target_met is None:
            met = "-"
        else:
            met = "yes" if r.target_met else "NO"
        ratio = f"{r.ratio:.3f} {r.ratio_label}".strip() if r.ratio is not None else "-"
        rows.append((r.title, r.plain or "-", r.system or "-", ratio, r.target or "-", met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        lines.append(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)
