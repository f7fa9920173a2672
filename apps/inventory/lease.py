"""A Redis leader lease: of all inventory replicas, only the holder runs the price feed.

The lease is a key set with NX and a TTL, holding the holder's random token. The holder renews it every
tick; if the holder dies, the key expires and another replica takes over. Renewal and release are
token-checked scripts, so a replica never extends or frees a lease that has passed to someone else.
"""

from __future__ import annotations

import secrets

from redis import Redis

from apps.common.locks import RELEASE_IF_HOLDER

PRICE_FEED_LEASE_KEY = "cnop:inventory:price-feed:leader"

_ACQUIRE_OR_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    redis.call('pexpire', KEYS[1], ARGV[2])
    return 1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return 1
end
return 0
"""


class LeaderLease:
    def __init__(self, redis: Redis, ttl_seconds: float, key: str = PRICE_FEED_LEASE_KEY):
        self.key = key
        self.ttl_ms = max(1, int(ttl_seconds * 1000))
        self.token = secrets.token_hex(16)
        self._acquire_or_renew = redis.register_script(_ACQUIRE_OR_RENEW)
        self._release = redis.register_script(RELEASE_IF_HOLDER)

    def hold(self) -> bool:
        """Takes the lease if it is free, renews it if it is ours; True while we are the leader."""
        return bool(self._acquire_or_renew(keys=[self.key], args=[self.token, self.ttl_ms]))

    def release(self) -> None:
        self._release(keys=[self.key], args=[self.token])
