"""The shared fixtures build a loadable tiny BERT and reach a real Temporal server."""

from pathlib import Path


def test_tiny_bert_loads_for_classification(tiny_model_dir: Path) -> None:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=3)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    batch = tokenizer(["a fine film", "what a mess"], ["x", "y"], padding=True, return_tensors="pt")
    assert model(**batch).logits.shape == (2, 3)


async def test_temporal_env_answers(temporal_env: object) -> None:
    from temporalio.testing import WorkflowEnvironment

    assert isinstance(temporal_env, WorkflowEnvironment)
    assert await temporal_env.client.service_client.check_health()
