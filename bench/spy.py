"""Optional py-spy profiles of worker processes (``--profile``), all threads, summarised as text.

py-spy samples another process from outside, so the workers run unmodified. It is fetched with
``uvx py-spy`` (not a project dependency); when ``uvx`` is missing the profile is skipped.
"""

import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RATE_HZ = 50
FOCUS = ("bert_activities/", "temporalio/", "Trainer.train ", "_save_checkpoint", "save_model")
"""Frames listed in the summary's focus section: this project's code, the SDK, saving."""


@contextmanager
def py_spy_record(pid: int, output: Path | None) -> Iterator[None]:
    """Sample ``pid`` (all threads, non-blocking) while the block runs; raw stacks to ``output``."""
    uvx = shutil.which("uvx")
    if output is None or uvx is None:
        yield
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    recorder = subprocess.Popen(
        [
            uvx,
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(RATE_HZ),
            "--format",
            "raw",
            "--threads",
            "--nonblocking",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        try:
            recorder.wait(timeout=30)
        except subprocess.TimeoutExpired:
            recorder.kill()
            recorder.wait()
        if output.is_file():
            output.with_suffix(".summary.txt").write_text(summarise(output))


def summarise(raw: Path, top: int = 25) -> str:
    """The functions holding the most samples (inclusive) in a py-spy raw (collapsed) file."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    if total == 0:
        return "no samples\n"
    lines = [f"{total} samples at {RATE_HZ} Hz (all threads, idle left out)", "", "inclusive:"]
    lines += [f"{100 * n / total:6.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "own (leaf):"]
    lines += [f"{100 * n / total:6.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines += ["", f"focus ({', '.join(FOCUS)}), inclusive, seconds at {RATE_HZ} Hz:"]
    lines += [
        f"{100 * n / total:6.2f}%  {n / RATE_HZ:7.1f}s  {frame}"
        for frame, n in inclusive.most_common()
        if any(key in frame for key in FOCUS) and n / total >= 0.0005
    ]
    return "\n".join(lines) + "\n"
