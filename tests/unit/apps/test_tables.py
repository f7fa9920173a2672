"""The PynamoDB models agree with the one table definition, and the definition is well formed."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.indexes import GlobalSecondaryIndex

from apps.common.models import ALL_MODELS
from apps.common.tables import TABLES, TableDefinition


def _attribute_type(model: Any, name: str) -> str:
    return str(model.get_attributes()[name].attr_type)


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_model_keys_match_its_table(model: Any) -> None:
    definition: TableDefinition = model.definition
    hash_name, range_name = model.key_names()
    attributes = model.get_attributes()
    assert attributes[hash_name].attr_name == definition.hash_key.name
    assert _attribute_type(model, hash_name) == definition.hash_key.type
    if definition.range_key is None:
        assert range_name is None
    else:
        assert range_name is not None
        assert attributes[range_name].attr_name == definition.range_key.name
        assert _attribute_type(model, range_name) == definition.range_key.type


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_model_indexes_exist_in_the_definition(model: Any) -> None:
    defined = {index.name: index for index in model.definition.global_indexes}
    for value in vars(model).values():
        if not isinstance(value, GlobalSecondaryIndex):
            continue
        index = defined[value.Meta.index_name]
        keys = _index_keys(value)
        assert keys[0] == (index.hash_key.name, index.hash_key.type)
        expected_range = (index.range_key.name, index.range_key.type) if index.range_key else None
        assert keys[1] == expected_range
        assert value.Meta.projection.projection_type == index.projection


def _index_keys(index: Any) -> tuple[tuple[str, str], tuple[str, str] | None]:
    hash_attr = next(a for a in index.Meta.attributes.values() if a.is_hash_key)
    range_attr = next((a for a in index.Meta.attributes.values() if a.is_range_key), None)
    return _pair(hash_attr), _pair(range_attr) if range_attr else None


def _pair(attribute: Any) -> tuple[str, str]:
    return attribute.attr_name, str(attribute.attr_type)


def test_every_index_and_ttl_is_used_by_a_model() -> None:
    used_indexes = {
        value.Meta.index_name
        for model in ALL_MODELS
        for value in vars(model).values()
        if isinstance(value, GlobalSecondaryIndex)
    }
    for table in TABLES:
        assert {index.name for index in table.global_indexes} <= used_indexes
        models = [m for m in ALL_MODELS if m.definition is table]
        assert models, f"no model for table {table.logical_name}"
        if table.ttl_attribute:
            assert any(table.ttl_attribute in {a.attr_name for a in m.get_attributes().values()} for m in models)


def test_every_table_has_a_model_bound_to_its_name() -> None:
    assert {m.definition.logical_name for m in ALL_MODELS} == {t.logical_name for t in TABLES}


def test_create_table_request_is_derived_from_the_definition() -> None:
    for table in TABLES:
        request = table.create_table_request("dev-")
        assert request["TableName"] == f"dev-{table.logical_name}"
        defined = {a["AttributeName"] for a in request["AttributeDefinitions"]}
        keys = {k["AttributeName"] for k in request["KeySchema"]}
        for index in request.get("GlobalSecondaryIndexes", []):
            keys |= {k["AttributeName"] for k in index["KeySchema"]}
        assert defined == keys, "every key attribute is defined once, and nothing else"
        assert request["BillingMode"] == "PAY_PER_REQUEST"
