"""Optional pyinstrument profiles of a benchmark's system side (``--profile``)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def maybe_profile(profile_dir: Path | None, name: str) -> Iterator[None]:
    """Profile the ``with`` block into ``<profile_dir>/<name>.txt`` when ``profile_dir`` is set."""
    if profile_dir is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        profile_dir.mkdir(parents=True, exist_ok=True)
        (profile_dir / f"{name}.txt").write_text(
            profiler.output_text(unicode=True, color=False, show_all=False)
        )
