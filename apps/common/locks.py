"""A per-user Redis lock in front of money-moving transactions.

The DynamoDB transaction conditions are what make overdrafts impossible; the lock only serialises one
user's writes so they do not cancel each other as transaction conflicts. Release is token-checked (a
slow holder whose lock expired cannot free someone else's), and waiting is bounded: a client that cannot
get the lock in time is told to retry (503 with ``Retry-After``), never given a 500.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis

from apps.common.errors import ServiceBusy

# Deletes the key only while it still holds our token: shared by every token-checked lock and lease.

RELEASE_IF_HOLDER = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class UserLocks:
    def __init__(self, redis: Redis, ttl_ms: int = 5000, wait_ms: int = 2000):
        self.redis = redis
        self.ttl_ms = ttl_ms
        self.wait_ms = wait_ms
        self._release = redis.register_script(RELEASE_IF_HOLDER)

    @staticmethod
    def key(username: str) -> str:
        return f"cnop:lock:user:{username}"

    @contextmanager
    def hold(self, username: str) -> Iterator[None]:
        key = self.key(username)
        token = secrets.token_hex(16)
        deadline = time.monotonic() + self.wait_ms / 1000
        pause = 0.002
        while not self.redis.set(key, token, nx=True, px=self.ttl_ms):
            if time.monotonic() >= deadline:
                raise ServiceBusy("Another operation on this account is in progress, please retry",
                                  code="account_busy")
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        try:
            yield
        finally:
            self._release(keys=[key], args=[token])
