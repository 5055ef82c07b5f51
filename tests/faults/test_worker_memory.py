"""Issue 6, case 9: twenty small trainings in a row on one training worker leak nothing.

The training worker's resident memory after the 20th training stays within 25% of its memory
after the 2nd (the first two warm up imports, allocators and caches), and its thread count does
not grow with the number of runs.
"""

import uuid

import psutil
import pytest

from tests.faults.environment import FaultEnv
from tests.faults.runs import run_training

TRAININGS = 20
RSS_GROWTH_LIMIT = 1.25
THREAD_GROWTH_LIMIT = 4


@pytest.mark.slow
async def test_twenty_trainings_do_not_grow_worker_memory(fault_env: FaultEnv) -> None:
    fleets = fault_env.fleets
    for other in fault_env.training_workers:
        if other is not fleets.training:
            other.stop()  # every training goes to one worker; the next test revives it
    assert fleets.training.pid is not None, "no training worker is running"
    worker = psutil.Process(fleets.training.pid)
    tag = uuid.uuid4().hex[:6]
    rss_mib: list[float] = []
    threads: list[int] = []
    for index in range(TRAININGS):
        config = fault_env.config(
            f"memory-{tag}-{index:02d}", max_steps=3, checkpoint_steps=2, seed=index
        )
        result = await run_training(fault_env.client, config, timeout_s=120)
        assert result.global_step == 3
        assert worker.is_running(), "the training worker died"
        rss_mib.append(worker.memory_info().rss / 2**20)
        threads.append(worker.num_threads())

    assert fleets.training.pid == worker.pid, "the training worker was replaced mid-test"
    after_second, after_last = rss_mib[1], rss_mib[-1]
    fault_env.report.record(
        "9-twenty-trainings-rss",
        rss_mib_after_each=[round(value, 1) for value in rss_mib],
        threads_after_each=threads,
        rss_growth_last_vs_second=round(after_last / after_second, 3),
    )
    assert after_last <= after_second * RSS_GROWTH_LIMIT, rss_mib
    assert threads[-1] <= threads[1] + THREAD_GROWTH_LIMIT, threads
