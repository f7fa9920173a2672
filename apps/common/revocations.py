"""Revoked tokens, refused everywhere until they expire, even after Redis loses its data.

Logout writes the revocation to DynamoDB first (durable; the table's TTL removes it after the token's
expiry), then to Redis, where every check reads it in the same round trip as the rest. Redis may lose
its data: a restart without persistence, or a failover to a replica the latest writes had not reached.
So Redis also holds a marker, written only once every revocation still in force has been copied back
from DynamoDB, naming the Redis server (its ``run_id``) the copy was made on:

- while the marker is missing, checks refuse to decide (503 with Retry-After): no token is believed
  unrevoked while the list may be incomplete;
- every app that verifies tokens copies the list back at start and whenever the marker is missing or
  names another server than the one answering (a restart or a failover: the stale marker is removed
  first, so checks refuse until the copy is done), checking every ``REVOCATION_WATCH_SECONDS``;
- the marker is set only if the copy's lock, taken on the same server, is still there: a Redis that
  restarted during the copy has lost the lock too, and is copied to again;
- a logout whose Redis write failed after the durable one (a timeout) removes the marker if it can and is
  written again on the next check; and every app copies the whole list back once a minute anyway, so a
  revocation written to DynamoDB alone (a crash between the two writes) is in force within a minute.

Needs Redis 6.2 or later (``SET ... EXAT``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable

from redis import Redis
from redis.exceptions import RedisError, ResponseError

from apps.common.errors import ServiceBusy
from apps.common.models import RevocationItem
from apps.common.revocation_keys import RESTORED_KEY, revoked_key
from apps.common.tokens import Claims

BEYOND_LEEWAY_SECONDS = 60
RECONCILE_SECONDS = 60.0
_RESTORING_KEY = "cnop:revocations:restoring"
_RESTORING_MS = 30_000
_UNKNOWN_SERVER = "unknown"  # a server that cannot say its run id (fakeredis): data loss is still noticed
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_MARK_RESTORED = """
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return 1
"""

log = logging.getLogger(__name__)


class RevocationsUnknown(ServiceBusy):
    """Redis lost its data and the revocations are being copied back: retry in a moment."""

    code = "revocations_restoring"


class Revocations:
    def __init__(self, redis: Redis, max_lifetime_seconds: int, clock: Callable[[], float] = time.time):
        self.redis = redis
        self.max_lifetime = max_lifetime_seconds
        self._clock = clock
        self._unwritten: dict[str, int] = {}
        """Revocations stored durably whose Redis write failed: jti -> until."""
        self._delete_if_equal = redis.register_script(_DELETE_IF_EQUAL)
        self._mark_restored = redis.register_script(_MARK_RESTORED)

    def revoke(self, claims: Claims) -> None:
        """Durable first, then where the checks read it; kept past the token's expiry by more than any
        verifier's leeway."""
        until = max(claims.expires_at, int(self._clock())) + BEYOND_LEEWAY_SECONDS
        RevocationItem(RevocationItem.bucket_for(until), claims.jti, username=claims.username,
                       expires_at=until).save()
        try:
            self.redis.set(revoked_key(claims.jti), "1", exat=until)
        except RedisError:
            self._unwritten[claims.jti] = until
            with contextlib.suppress(RedisError):  # checks refuse until the list is whole again
                self.redis.delete(RESTORED_KEY)
            raise

    def is_revoked(self, jti: str) -> bool:
        revoked, _ = self._read(jti)
        return revoked

    def is_revoked_reading(self, jti: str, key: str) -> tuple[bool, str | None]:
        """Whether the token is revoked, and the value of another key read in the same round trip (the
        caller's next check needs it: a request pays one Redis round trip for both)."""
        revoked, (value,) = self._read(jti, key)
        return revoked, value

    def _read(self, jti: str, *keys: str) -> tuple[bool, list[str | None]]:
        restored, revoked, *values = self.redis.mget([RESTORED_KEY, revoked_key(jti), *keys])
        if restored is None:
            raise RevocationsUnknown("Token checks are being restored, please retry")
        return revoked is not None, [None if value is None else str(value) for value in values]

    def restore_if_needed(self) -> int | None:
        """Copies the revocations in force back into Redis when it lost them; the number copied, or None
        when nothing was needed (or another process is already at it)."""
        self._write_unwritten()
        server = self._server()
        marker = self.redis.get(RESTORED_KEY)
        if marker == server:
            return None
        lock = uuid.uuid4().hex
        if not self.redis.set(_RESTORING_KEY, lock, nx=True, px=_RESTORING_MS):
            return None
        try:
            if marker is not None:  # restored on another server: this one may lack its latest writes
                self._delete_if_equal(keys=[RESTORED_KEY], args=[marker])
            copied = self.copy_back()
            if not self._mark_restored(keys=[RESTORED_KEY, _RESTORING_KEY], args=[server, lock]) \
                    or self._server() != server:
                log.warning("revocations: Redis changed while they were copied back; copying again")
                return None
        finally:
            self._delete_if_equal(keys=[_RESTORING_KEY], args=[lock])
        log.info("revocations: copied %d back into Redis (server %s)", copied, server)
        return copied

    def copy_back(self) -> int:
        """Writes every revocation still in force into Redis (idempotent); the number written."""
        now = int(self._clock())
        last_hour = (now + self.max_lifetime + BEYOND_LEEWAY_SECONDS) // 3600 + 1
        copied = 0
        pipeline = self.redis.pipeline(transaction=False)
        for hour in range(now // 3600, last_hour + 1):
            for item in RevocationItem.query(RevocationItem.bucket_for(hour * 3600), consistent_read=True,
                                              filter_condition=RevocationItem.expires_at > now):
                pipeline.set(revoked_key(item.jti), "1", exat=int(item.expires_at))
                copied += 1
        pipeline.execute()
        return copied

    def _write_unwritten(self) -> None:
        for jti, until in list(self._unwritten.items()):
            self.redis.set(revoked_key(jti), "1", exat=until)
            del self._unwritten[jti]

    def _server(self) -> str:
        try:
            return str(self.redis.info("server").get("run_id", _UNKNOWN_SERVER))
        except ResponseError:
            return _UNKNOWN_SERVER


async def _guarded(step: Callable[[], object]) -> None:
    try:
        await asyncio.to_thread(step)
    except Exception as exc:  # any failure: checks refuse meanwhile, and the next tick tries again
        log.warning("revocations: could not check or restore: %s", type(exc).__name__)


@contextlib.asynccontextmanager
async def keeping_restored(revocations: Revocations, every_seconds: float,
                           reconcile_seconds: float = RECONCILE_SECONDS) -> AsyncIterator[None]:
    """Restores the revocations now if Redis lacks them, checks again every ``every_seconds``, and copies the
    whole list back every ``reconcile_seconds`` whatever the marker says."""

    async def watch() -> None:
        reconciled = time.monotonic()
        while True:
            await asyncio.sleep(every_seconds)
            await _guarded(revocations.restore_if_needed)
            if time.monotonic() - reconciled >= reconcile_seconds:
                reconciled = time.monotonic()
                await _guarded(revocations.copy_back)

    await _guarded(revocations.restore_if_needed)
    task = asyncio.create_task(watch(), name="revocations-watch")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
