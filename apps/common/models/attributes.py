"""Attribute types the stock PynamoDB set lacks, and the base every model of ours builds on."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar, Self

from pynamodb.attributes import Attribute, UnicodeAttribute
from pynamodb.constants import NUMBER
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from apps.common.tables import TableDefinition


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number read and written as ``Decimal``: money never passes through a float."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        return format(Decimal(value), "f")

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class TableModel(Model):
    """A model bound to one entry of the table definition; ``bind_models`` sets name and endpoint."""

    definition: ClassVar[TableDefinition]

    @classmethod
    def find(cls, hash_key: str, range_key: str | None = None, consistent: bool = False) -> Self | None:
        """The item, or None; a kind with a constant sort key (``USER``...) needs only its hash key."""
        if range_key is None:
            _, range_name = cls.key_names()
            if range_name is not None:
                range_key = str(cls.get_attributes()[range_name].default)
        try:
            return cls.get(hash_key, range_key, consistent_read=consistent)
        except cls.DoesNotExist:
            return None

    @classmethod
    def raw_items(cls, hash_key: str, range_key_condition: Condition,
                  consistent: bool = False) -> Iterator[dict[str, Any]]:
        """Every item of one partition whose sort key meets the condition, as DynamoDB returns it, across
        pages: for items of several kinds that sort next to each other, read in one Query and turned into
        models with ``from_raw_data``."""
        start: dict[str, Any] | None = None
        while True:
            page = cls._get_connection().query(hash_key, range_key_condition=range_key_condition,
                                               consistent_read=consistent, exclusive_start_key=start)
            yield from page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    @classmethod
    def key_names(cls) -> tuple[str, str | None]:
        attributes: dict[str, Any] = cls.get_attributes()
        hash_name = next(n for n, a in attributes.items() if a.is_hash_key)
        range_name = next((n for n, a in attributes.items() if a.is_range_key), None)
        return hash_name, range_name


def fixed_sort_key(value: str) -> UnicodeAttribute:
    """A range key that is the same constant for every item of a kind (``USER``, ``BALANCE``...)."""
    return UnicodeAttribute(range_key=True, attr_name="SK", default=value)
