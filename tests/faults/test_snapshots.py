"""Issue 6, cases 5b and 6: torn snapshots are never reused; concurrent requests make one snapshot.

5b. A snapshot folder left half written (a data file cut short under its final name, or its
    ``metadata.json`` missing), and a crashed writer's staging folder beside it: the next request
    for the same data writes a fresh snapshot and trains on every row.
6.  Two coordinators ask for the same snapshot at the same moment: one snapshot folder results,
    both runs train on it and succeed.
"""

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from bert_types.evaluation import RunStatus
from bert_types.names import SNAPSHOT_ACTIVITY
from bert_types.snapshot import DatasetSnapshotResult

from tests.faults.environment import FaultEnv
from tests.faults.history import activity_results
from tests.faults.runs import start_coordinator, start_training, training_handle_of


def tear_data_file(snapshot: Path) -> str:
    """Cut ``train.jsonl`` to half its size under its final name."""
    train = snapshot / "train.jsonl"
    data = train.read_bytes()
    train.write_bytes(data[: len(data) // 2])
    return "train.jsonl cut to half its size, metadata.json intact"


def drop_metadata(snapshot: Path) -> str:
    """Remove ``metadata.json``, the file written last."""
    (snapshot / "metadata.json").unlink()
    return "metadata.json missing, data files intact"


@pytest.mark.parametrize("tear", [tear_data_file, drop_metadata], ids=["torn-data", "no-metadata"])
async def test_torn_snapshot_is_never_reused(
    tear: Callable[[Path], str], fault_env: FaultEnv, tmp_path: Path
) -> None:
    snapshot_root = tmp_path / "snapshots"
    tag = uuid.uuid4().hex[:6]
    first_config = fault_env.config(
        f"snap-first-{tag}", snapshot_root=snapshot_root, max_steps=1, checkpoint_steps=1
    )
    first = await start_training(fault_env.client, first_config)
    first_result = await asyncio.wait_for(first.result(), 180)
    [first_snapshot] = await activity_results(first, SNAPSHOT_ACTIVITY, DatasetSnapshotResult)
    folder = Path(first_snapshot.path)
    intact_size = (folder / "train.jsonl").stat().st_size
    damage = tear(folder)
    staging = snapshot_root / f".tmp-{uuid.uuid4().hex}"
    staging.mkdir()
    (staging / "train.jsonl").write_text('{"label":1,"sentence":"half a ro')

    second_config = first_config.model_copy(update={"run_id": f"snap-second-{tag}"})
    second = await start_training(fault_env.client, second_config)
    second_result = await asyncio.wait_for(second.result(), 180)
    [second_snapshot] = await activity_results(second, SNAPSHOT_ACTIVITY, DatasetSnapshotResult)

    assert first_snapshot.reused is False
    assert second_snapshot.reused is False, "a torn snapshot was reused"
    assert second_snapshot.snapshot_id == first_snapshot.snapshot_id
    assert second_snapshot.num_train_rows == first_snapshot.num_train_rows
    assert second_result.num_train_samples == first_result.num_train_samples
    assert (folder / "metadata.json").is_file()
    assert (folder / "train.jsonl").stat().st_size == intact_size
    fault_env.report.record(
        f"5b-torn-snapshot/{tear.__name__}",
        damage=damage,
        crashed_staging_folder_beside_it=staging.name,
        second_request_reused=second_snapshot.reused,
        train_rows_first=first_snapshot.num_train_rows,
        train_rows_second=second_snapshot.num_train_rows,
    )


@pytest.mark.slow
async def test_two_coordinators_same_snapshot_at_once(fault_env: FaultEnv, tmp_path: Path) -> None:
    snapshot_root = tmp_path / "snapshots"
    tag = uuid.uuid4().hex[:6]
    run_ids = [f"same-snap-a-{tag}", f"same-snap-b-{tag}"]
    configs = [
        fault_env.config(
            run_id,
            dataset=fault_env.data.trec,
            snapshot_root=snapshot_root,
            max_steps=2,
            checkpoint_steps=2,
        )
        for run_id in run_ids
    ]
    coordinators = await asyncio.gather(
        *(
            start_coordinator(fault_env.client, [config], f"exp-{run_id}")
            for config, run_id in zip(configs, run_ids, strict=True)
        )
    )
    all_results = await asyncio.wait_for(
        asyncio.gather(*(coordinator.result() for coordinator in coordinators)), 300
    )

    snapshots: list[DatasetSnapshotResult] = []
    for coordinator, run_id, results in zip(coordinators, run_ids, all_results, strict=True):
        assert [result.status for result in results] == [RunStatus.SUCCEEDED], results
        training = await training_handle_of(fault_env.client, coordinator, run_id)
        snapshots += await activity_results(training, SNAPSHOT_ACTIVITY, DatasetSnapshotResult)
    assert len(snapshots) == 2
    assert snapshots[0].snapshot_id == snapshots[1].snapshot_id
    assert sorted(snapshot.reused for snapshot in snapshots) == [False, True]
    folders = sorted(child.name for child in snapshot_root.iterdir())
    assert folders == [snapshots[0].snapshot_id], f"expected one snapshot folder, found {folders}"
    trained_on = {results[0].training.snapshot_id for results in all_results if results[0].training}
    assert trained_on == {snapshots[0].snapshot_id}
    fault_env.report.record(
        "6-same-snapshot-at-once",
        snapshot_folders=folders,
        reused_flags=[snapshot.reused for snapshot in snapshots],
        both_succeeded=True,
    )
