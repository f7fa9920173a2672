"""``ops.tables.ensure_tables``: the tables of the one definition, created with their TTL, and idempotent."""

from __future__ import annotations

import os

from apps.common.models import dynamodb_connection
from apps.common.settings import PlatformSettings
from apps.common.tables import TABLES
from ops.tables import drop_tables, ensure_tables


def test_every_table_is_created_once_with_its_time_to_live(platform_settings: PlatformSettings) -> None:
    prefix = f"ttl-{os.urandom(3).hex()}-"
    connection = dynamodb_connection(platform_settings)
    try:
        assert ensure_tables(connection, prefix) == [table.physical_name(prefix) for table in TABLES]
        assert ensure_tables(connection, prefix) == []  # already there: nothing created, nothing changed
        for table in TABLES:
            described = connection.client.describe_time_to_live(TableName=table.physical_name(prefix))
            expected = ({"TimeToLiveStatus": "ENABLED", "AttributeName": table.ttl_attribute} if table.ttl_attribute
                        else {"TimeToLiveStatus": "DISABLED"})
            assert described["TimeToLiveDescription"] == expected, table.logical_name
    finally:
        drop_tables(connection, prefix)
