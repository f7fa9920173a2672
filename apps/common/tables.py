"""The one definition of every DynamoDB table.

Plain data: the apps' PynamoDB models, the local-stack bootstrap and the Pulumi Database component are
all derived from it, and a test proves the models agree with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

AttributeType = Literal["S", "N", "B"]


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: AttributeType = "S"


@dataclass(frozen=True)
class GlobalIndex:
    name: str
    hash_key: KeyAttribute
    range_key: KeyAttribute | None = None
    projection: Literal["ALL", "KEYS_ONLY"] = "ALL"


def default_table_prefix(environment: str) -> str:
    """The physical table names' prefix of an environment unless its settings or stack config name another."""
    return f"cnop-{environment}-"


@dataclass(frozen=True)
class TableDefinition:
    """A table by its logical name; its physical name is the environment prefix plus that name."""

    logical_name: str
    hash_key: KeyAttribute
    range_key: KeyAttribute | None = None
    global_indexes: tuple[GlobalIndex, ...] = field(default_factory=tuple)
    ttl_attribute: str | None = None
    billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST"

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}{self.logical_name}"

    def key_attributes(self) -> tuple[KeyAttribute, ...]:
        """Every attribute used as a key of the table or of an index, once each."""
        seen: dict[str, KeyAttribute] = {}
        candidates = [self.hash_key, self.range_key]
        for index in self.global_indexes:
            candidates += [index.hash_key, index.range_key]
        for attribute in candidates:
            if attribute is not None:
                seen.setdefault(attribute.name, attribute)
        return tuple(seen.values())

    def create_table_request(self, prefix: str) -> dict[str, Any]:
        """Keyword arguments for DynamoDB's CreateTable (botocore/boto3 spelling)."""
        request: dict[str, Any] = {
            "TableName": self.physical_name(prefix),
            "AttributeDefinitions": [
                {"AttributeName": a.name, "AttributeType": a.type} for a in self.key_attributes()
            ],
            "KeySchema": _key_schema(self.hash_key, self.range_key),
            "BillingMode": self.billing_mode,
        }
        if self.global_indexes:
            request["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": _key_schema(index.hash_key, index.range_key),
                    "Projection": {"ProjectionType": index.projection},
                }
                for index in self.global_indexes
            ]
        return request


def _key_schema(hash_key: KeyAttribute, range_key: KeyAttribute | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
    if range_key is not None:
        schema.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
    return schema


USERS = TableDefinition(
    logical_name="users",
    hash_key=KeyAttribute("PK"),
    range_key=KeyAttribute("SK"),
    global_indexes=(GlobalIndex("email-index", KeyAttribute("email"), projection="KEYS_ONLY"),),
    ttl_attribute="expires_at",
)

ORDERS = TableDefinition(
    logical_name="orders",
    hash_key=KeyAttribute("PK"),
    range_key=KeyAttribute("SK"),
    global_indexes=(GlobalIndex("user-orders-index", KeyAttribute("username"), KeyAttribute("created_at")),),
    ttl_attribute="expires_at",
)

INVENTORY = TableDefinition(
    logical_name="inventory",
    hash_key=KeyAttribute("asset_id"),
)

TABLES: tuple[TableDefinition, ...] = (USERS, ORDERS, INVENTORY)
