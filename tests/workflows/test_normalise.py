"""Config normalisation of the coordinator: pure functions, no server."""

from bert_types import BertFineTuneConfig, CoordinatorWorkflowConfig
from bert_workflows.experiment import ConfigOverrides, normalise_config


def test_training_leaves_scoring_to_the_eval_child() -> None:
    config = CoordinatorWorkflowConfig(fine_tune=BertFineTuneConfig(dataset_name="data.jsonl"))
    assert config.fine_tune.evaluate_after_training

    normalised = normalise_config(config, 0, "experiment-1", ConfigOverrides())

    assert normalised.fine_tune.evaluate_after_training is False
    assert normalised.eval is not None
    assert normalised.eval.run_id == normalised.fine_tune.run_id == "experiment-1-0"
