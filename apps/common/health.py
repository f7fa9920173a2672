"""What ``/health`` reports for an app: its tables exist (DynamoDB) and Redis answers.

A table that vanished (DynamoDB Local restarted empty, a table deleted) is reported as such, not as a
healthy app that then fails every request. Table checks are remembered for a few seconds, so probes
every second or two do not each cost a DescribeTable per table.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from pynamodb.connection import Connection
from pynamodb.exceptions import TableDoesNotExist
from redis import Redis

from apps.common.tables import TableDefinition

log = logging.getLogger(__name__)
OK, MISSING_TABLES, UNAVAILABLE = "ok", "tables_missing", "unavailable"


class TableCheck:
    def __init__(self, connection: Connection, tables: Iterable[TableDefinition], prefix: str,
                 remember_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self.connection = connection
        self.names = [table.physical_name(prefix) for table in tables]
        self.remember_seconds = remember_seconds
        self._clock = clock
        self._last: tuple[float, str] | None = None

    def status(self) -> str:
        if self._last is not None and self._clock() - self._last[0] < self.remember_seconds:
            return self._last[1]
        status = self._describe()
        self._last = (self._clock(), status)
        return status

    def _describe(self) -> str:
        try:
            for name in self.names:
                self.connection.describe_table(name)
        except TableDoesNotExist:
            log.warning("health: a table is missing: %s", ", ".join(self.names))
            return MISSING_TABLES
        except Exception as exc:  # any other failure makes the check fail; the reason goes to the log
            log.warning("health: dynamodb check failed: %s", type(exc).__name__)
            return UNAVAILABLE
        return OK


def redis_status(redis: Redis) -> str:
    try:
        redis.ping()
    except Exception as exc:  # as above
        log.warning("health: redis check failed: %s", type(exc).__name__)
        return UNAVAILABLE
    return OK
