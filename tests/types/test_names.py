"""The names that let packages talk without importing each other are complete and distinct."""

from bert_types import errors, names

WORKFLOWS = [
    names.TRAINING_WORKFLOW,
    names.EVAL_WORKFLOW,
    names.INFERENCE_WORKFLOW,
    names.COORDINATOR_WORKFLOW,
]
ACTIVITIES = [
    names.SNAPSHOT_ACTIVITY,
    names.FINE_TUNE_ACTIVITY,
    names.EVALUATE_ACTIVITY,
    names.INFERENCE_ACTIVITY,
]


def _public_strings(module: object) -> dict[str, str]:
    return {
        key: value
        for key, value in vars(module).items()
        if key.isupper() and not key.startswith("_") and isinstance(value, str)
    }


def test_design_names_are_what_the_fleets_use() -> None:
    assert names.TRAINING_TASK_QUEUE == "bert-training-task-queue"
    assert names.EVAL_TASK_QUEUE == "bert-eval-task-queue"
    assert WORKFLOWS == [
        "CheckpointedBertTrainingWorkflow",
        "BertEvalWorkflow",
        "BertInferenceWorkflow",
        "CoordinatorWorkflow",
    ]
    assert ACTIVITIES == [
        "create_dataset_snapshot",
        "fine_tune_bert",
        "evaluate_bert_model",
        "run_bert_inference",
    ]
    assert names.UPDATE_CHECKPOINT_SIGNAL == "update_checkpoint"
    assert names.GET_LATEST_CHECKPOINT_QUERY == "get_latest_checkpoint"


def test_each_fleet_serves_disjoint_activities() -> None:
    assert set(names.TRAINING_ACTIVITIES) | set(names.EVAL_ACTIVITIES) == set(ACTIVITIES)
    assert not set(names.TRAINING_ACTIVITIES) & set(names.EVAL_ACTIVITIES)


def test_names_are_distinct_and_non_empty() -> None:
    values = list(_public_strings(names).values())
    assert all(value and value.strip() == value for value in values)
    message_names = [
        value
        for key, value in _public_strings(names).items()
        if key.endswith(("_SIGNAL", "_QUERY", "_UPDATE", "_WORKFLOW", "_ACTIVITY"))
    ]
    assert len(message_names) == len(set(message_names)), message_names


def test_every_error_type_is_non_retryable_and_distinct() -> None:
    declared = _public_strings(errors)
    assert set(declared.values()) == set(errors.NON_RETRYABLE_ERROR_TYPES)
    assert len(errors.NON_RETRYABLE_ERROR_TYPES) == len(set(errors.NON_RETRYABLE_ERROR_TYPES))
    assert all(value.endswith("Error") for value in declared.values())
