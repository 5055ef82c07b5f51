"""One process, several activity threads: trainings never overlap, failures are typed right."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from bert_types import BertFineTuneRequest, DatasetSnapshotResult


def test_two_trainings_in_one_process_both_complete(
    sst2_snapshot: DatasetSnapshotResult, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    from bert_activities.training import fine_tune

    requests = [tiny_request(sst2_snapshot, f"tiny-parallel-{index}") for index in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(fine_tune, requests))
    assert [result.run_id for result in results] == ["tiny-parallel-0", "tiny-parallel-1"]
    assert all(result.global_step == result.total_steps > 0 for result in results)


def test_a_training_waiting_for_the_process_can_be_stopped(
    sst2_snapshot: DatasetSnapshotResult, tiny_request: Callable[..., BertFineTuneRequest]
) -> None:
    from bert_activities import training
    from bert_activities.training_reporter import TrainingReporter, TrainingStopped

    reporter = TrainingReporter()
    reporter.request_stop("cancelled")
    with training._ONE_TRAINING_PER_PROCESS, pytest.raises(TrainingStopped, match="cancelled"):
        training.fine_tune(tiny_request(sst2_snapshot, "tiny-waiting"), reporter)


@pytest.mark.parametrize(
    ("cause", "is_parse_error"),
    [
        (ValueError("JSON parse error: Missing a name for object member"), True),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), True),
        (AttributeError("'tqdm' object has no attribute '_lock'"), False),
        (OSError("Too many open files"), False),
    ],
)
def test_only_malformed_content_is_bad_input(cause: Exception, is_parse_error: bool) -> None:
    from bert_activities.data_sources import _is_parse_error

    assert _is_parse_error(cause) is is_parse_error


def test_arrow_errors_are_malformed_content() -> None:
    import pyarrow as pa
    from bert_activities.data_sources import _is_parse_error

    error: Any = pa.lib.ArrowInvalid("straddling object straddles two block boundaries")
    assert _is_parse_error(error)


def test_hub_id_while_offline_is_bad_input() -> None:
    from bert_activities.data_sources import load_source
    from bert_types.errors import DATASET_NOT_FOUND
    from temporalio.exceptions import ApplicationError

    with pytest.raises(ApplicationError, match="HF_HUB_OFFLINE") as raised:
        load_source("someone/not-a-local-dataset")
    assert raised.value.type == DATASET_NOT_FOUND
    assert raised.value.non_retryable
