"""Creates the tables from the one table definition (local stack, tests) and enables their TTL."""

from __future__ import annotations

import logging

from botocore.exceptions import ClientError
from pynamodb.connection import Connection

from apps.common.tables import TABLES, TableDefinition

log = logging.getLogger(__name__)


def ensure_table(connection: Connection, definition: TableDefinition, prefix: str) -> bool:
    """Creates the table if it is missing; True when it was created."""
    client = connection.client
    request = definition.create_table_request(prefix)
    name = request["TableName"]
    try:
        client.create_table(**request)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        return False
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    if definition.ttl_attribute:
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": definition.ttl_attribute},
        )
    log.info("created table %s", name)
    return True


def ensure_tables(connection: Connection, prefix: str) -> list[str]:
    return [d.physical_name(prefix) for d in TABLES if ensure_table(connection, d, prefix)]


def drop_tables(connection: Connection, prefix: str) -> None:
    for definition in TABLES:
        try:
            connection.client.delete_table(TableName=definition.physical_name(prefix))
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise


def main() -> None:
    """``python -m ops.tables``: creates the environment's missing tables (local stacks, compose)."""
    from apps.common.models import dynamodb_connection
    from apps.common.settings import PlatformSettings

    logging.basicConfig(level=logging.INFO, format="tables: %(message)s")
    settings = PlatformSettings()
    created = ensure_tables(dynamodb_connection(settings), settings.table_prefix)
    log.info("created %s", ", ".join(created) if created else "nothing: every table exists")


if __name__ == "__main__":
    main()
