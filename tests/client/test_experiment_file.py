"""Experiment files: valid YAML/JSON loads; every bad field is reported with its path and line."""

import json
from pathlib import Path

import pytest
from bert_client.experiment_file import ExperimentFileError, format_location, load_experiment
from bert_types import CoordinatorWorkflowInput

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

MALFORMED_YAML = """\
experiment_id: malformed-experiment
configs:
  - run_id: "bad run/1"
    fine_tune:
      dataset_name: glue
      learning_rate: -0.001
      colour: blue
  - fine_tune:
      dataset_name: sst2.jsonl
      num_epochs: 0
"""


def test_yaml_file_loads_as_coordinator_input(tmp_path: Path) -> None:
    file = tmp_path / "experiment.yaml"
    file.write_text(
        "experiment_id: sst2-small\n"
        "configs:\n"
        "  - run_id: a\n"
        "    fine_tune: {dataset_name: glue, dataset_config_name: sst2, learning_rate: 3.0e-5}\n"
        "  - fine_tune: {dataset_name: glue, dataset_config_name: sst2, max_seq_length: 64}\n",
        encoding="utf-8",
    )
    experiment = load_experiment(file)
    assert isinstance(experiment, CoordinatorWorkflowInput)
    assert experiment.experiment_id == "sst2-small"
    assert [entry.run_id for entry in experiment.configs] == ["a", None]
    assert experiment.configs[0].fine_tune.learning_rate == pytest.approx(3e-5)
    assert experiment.configs[1].fine_tune.max_seq_length == 64


def test_json_file_loads(tmp_path: Path) -> None:
    file = tmp_path / "experiment.json"
    file.write_text(
        json.dumps({"configs": [{"fine_tune": {"dataset_name": "data.jsonl", "batch_size": 8}}]}),
        encoding="utf-8",
    )
    experiment = load_experiment(file)
    assert experiment.experiment_id is None
    assert experiment.configs[0].fine_tune.batch_size == 8


def test_every_bad_field_is_named_with_its_path_and_line(tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(MALFORMED_YAML, encoding="utf-8")
    with pytest.raises(ExperimentFileError) as caught:
        load_experiment(file)
    found = {issue.path: issue for issue in caught.value.issues}
    assert set(found) == {
        "configs[0].run_id",
        "configs[0].fine_tune.learning_rate",
        "configs[0].fine_tune.colour",
        "configs[1].fine_tune.num_epochs",
    }
    assert found["configs[0].run_id"].line == 3
    assert found["configs[0].fine_tune.learning_rate"].line == 6
    assert "greater than 0" in found["configs[0].fine_tune.learning_rate"].message
    assert "unknown field" in found["configs[0].fine_tune.colour"].message
    assert found["configs[1].fine_tune.num_epochs"].line == 10
    assert "bad run/1" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("broken.yaml", "configs: [\n", "invalid YAML"),
        ("broken.json", '{"configs": ', "invalid JSON"),
        ("list.yaml", "- a\n- b\n", "must be a mapping"),
        ("empty.yaml", "configs: []\n", "configs"),
    ],
)
def test_unreadable_or_wrongly_shaped_files_are_rejected(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ExperimentFileError, match=expected):
        load_experiment(file)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ExperimentFileError, match="cannot read"):
        load_experiment(tmp_path / "nope.yaml")


def test_location_rendering() -> None:
    assert format_location(("configs", 0, "fine_tune", "seed")) == "configs[0].fine_tune.seed"
    assert format_location(()) == "(top level)"


@pytest.mark.parametrize("name", ["glue-sst2-bert-base.yaml", "local-jsonl-quick.yaml"])
def test_example_experiment_files_are_valid(name: str) -> None:
    assert load_experiment(EXAMPLES / name).configs
