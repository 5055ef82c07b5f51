"""Every bert-types model survives Temporal's pydantic data converter unchanged."""

import inspect
import pkgutil
from importlib import import_module

import bert_types
import pytest
from pydantic import BaseModel
from temporalio.contrib.pydantic import pydantic_data_converter

from tests.types.examples import all_examples

EXAMPLES = all_examples()


def _exported_models() -> set[type[BaseModel]]:
    """Every pydantic model defined in any module of bert_types."""
    models: set[type[BaseModel]] = set()
    for info in pkgutil.walk_packages(bert_types.__path__, "bert_types."):
        module = import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseModel) and value.__module__ == info.name:
                models.add(value)
    return models


def test_every_model_has_an_example() -> None:
    missing = {model.__name__ for model in _exported_models()} - {
        type(example).__name__ for example in EXAMPLES
    }
    assert not missing, f"add an instance of {sorted(missing)} to tests/types/examples.py"


def test_every_model_is_exported_from_the_package() -> None:
    hidden = {model.__name__ for model in _exported_models()} - set(bert_types.__all__)
    assert not hidden, f"export {sorted(hidden)} from bert_types/__init__.py"


@pytest.mark.parametrize("value", EXAMPLES, ids=lambda value: type(value).__name__)
async def test_round_trip_through_pydantic_data_converter(value: BaseModel) -> None:
    payloads = await pydantic_data_converter.encode([value])
    assert payloads[0].metadata["encoding"] == b"json/plain"
    (decoded,) = await pydantic_data_converter.decode(payloads, [type(value)])
    assert type(decoded) is type(value)
    assert decoded == value
    assert decoded.model_dump(mode="json") == value.model_dump(mode="json")


@pytest.mark.parametrize("value", EXAMPLES, ids=lambda value: type(value).__name__)
def test_json_round_trip_revalidates(value: BaseModel) -> None:
    """What a client writes as JSON is what a worker validates back (strict JSON in, same out)."""
    assert type(value).model_validate_json(value.model_dump_json()) == value


async def test_nested_lists_of_models_round_trip() -> None:
    """Coordinator results travel as ``list[BertEvalResult]``."""
    results = [example for example in EXAMPLES if type(example).__name__ == "BertEvalResult"]
    payloads = await pydantic_data_converter.encode([results])
    (decoded,) = await pydantic_data_converter.decode(payloads, [list[bert_types.BertEvalResult]])
    assert decoded == results
