"""Revoked tokens, refused everywhere until they expire, even after Redis loses its data.

Logout writes the revocation to DynamoDB first (durable; the table's TTL removes it after the token's
expiry), then to Redis, where every check reads it in the same round trip as the rest. Redis may lose
its data: a restart without persistence, or a failover to a replica the latest writes had not reached.
So Redis also holds a marker, written only once every revocation still in force has been copied back
from DynamoDB, naming the Redis server (its ``run_id``) the copy was made on:

- while the marker is missing, checks refuse to decide (503 with Retry-After): no token is believed
  unrevoked while the list may be incomplete;
- every app that verifies tokens copies the list back at start and whenever the marker is missing or
  names another server than the one answering (a restart or a failover), checking every
  ``REVOCATION_WATCH_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from botocore.exceptions import BotoCoreError
from pynamodb.exceptions import PynamoDBException
from redis import Redis
from redis.exceptions import RedisError, ResponseError

from apps.common.errors import ServiceBusy
from apps.common.models import RevocationItem
from apps.common.revocation_keys import RESTORED_KEY, revoked_key
from apps.common.tokens import Claims

BEYOND_LEEWAY_SECONDS = 60
_RESTORING_KEY = "cnop:revocations:restoring"
_RESTORING_MS = 10_000
_UNKNOWN_SERVER = "unknown"  # a server that cannot say its run id (fakeredis): data loss is still noticed

log = logging.getLogger(__name__)


class RevocationsUnknown(ServiceBusy):
    """Redis lost its data and the revocations are being copied back: retry in a moment."""

    code = "revocations_restoring"


class Revocations:
    def __init__(self, redis: Redis, max_lifetime_seconds: int, clock: Callable[[], float] = time.time):
        self.redis = redis
        self.max_lifetime = max_lifetime_seconds
        self._clock = clock

    def revoke(self, claims: Claims) -> None:
        """Durable first, then where the checks read it; kept past the token's expiry by more than any
        verifier's leeway."""
        until = max(claims.expires_at, int(self._clock())) + BEYOND_LEEWAY_SECONDS
        RevocationItem(RevocationItem.bucket_for(until), claims.jti, username=claims.username,
                       expires_at=until).save()
        self.redis.set(revoked_key(claims.jti), "1", exat=until)

    def is_revoked(self, jti: str) -> bool:
        restored, revoked = self.redis.mget([RESTORED_KEY, revoked_key(jti)])
        if restored is None:
            raise RevocationsUnknown("Token checks are being restored, please retry")
        return revoked is not None

    def restore_if_needed(self) -> int | None:
        """Copies the revocations in force back into Redis when it lost them; the number copied, or None
        when nothing was needed (or another process is already at it)."""
        server = self._server()
        if self.redis.get(RESTORED_KEY) == server:
            return None
        if not self.redis.set(_RESTORING_KEY, server, nx=True, px=_RESTORING_MS):
            return None
        try:
            copied = self._copy_back()
            if self._server() != server:
                log.warning("revocations: Redis changed while they were copied back; copying again")
                return None
            self.redis.set(RESTORED_KEY, server)
        finally:
            self.redis.delete(_RESTORING_KEY)
        log.info("revocations: copied %d back into Redis (server %s)", copied, server)
        return copied

    def _copy_back(self) -> int:
        now = int(self._clock())
        copied = 0
        pipeline = self.redis.pipeline(transaction=False)
        for hour in range(now // 3600, (now + self.max_lifetime) // 3600 + 1):
            for item in RevocationItem.query(RevocationItem.bucket_for(hour * 3600), consistent_read=True,
                                              filter_condition=RevocationItem.expires_at > now):
                pipeline.set(revoked_key(item.jti), "1", exat=int(item.expires_at))
                copied += 1
        pipeline.execute()
        return copied

    def _server(self) -> str:
        try:
            return str(self.redis.info("server").get("run_id", _UNKNOWN_SERVER))
        except ResponseError:
            return _UNKNOWN_SERVER


async def _restore(revocations: Revocations) -> None:
    try:
        await asyncio.to_thread(revocations.restore_if_needed)
    except (RedisError, PynamoDBException, BotoCoreError) as exc:  # checks refuse meanwhile; retried next time
        log.warning("revocations: could not check or restore: %s", type(exc).__name__)


@contextlib.asynccontextmanager
async def keeping_restored(revocations: Revocations, every_seconds: float) -> AsyncIterator[None]:
    """Restores the revocations now if Redis lacks them, then checks again every ``every_seconds``."""

    async def watch() -> None:
        while True:
            await asyncio.sleep(every_seconds)
            await _restore(revocations)

    await _restore(revocations)
    task = asyncio.create_task(watch(), name="revocations-watch")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
