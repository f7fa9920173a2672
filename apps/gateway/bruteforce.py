"""Brute-force guard on login: N failed logins (401) from one client within the window block it."""

from __future__ import annotations

from redis.asyncio import Redis

from apps.gateway.admission import block_key, failure_key

_RECORD_FAILURE = """
local failures = redis.call('INCR', KEYS[1])
if failures == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if failures >= tonumber(ARGV[2]) then
    redis.call('SET', KEYS[2], '1', 'EX', ARGV[3])
    redis.call('DEL', KEYS[1])
    return 1
end
return 0
"""


class LoginGuard:
    def __init__(self, redis: Redis, max_failures: int, window_seconds: int, block_seconds: int):
        self.redis = redis
        self._record = redis.register_script(_RECORD_FAILURE)
        self.args = [str(window_seconds), str(max_failures), str(block_seconds)]

    async def failed(self, client: str) -> bool:
        """Counts a failed login; True when this failure blocked the client."""
        blocked = await self._record(keys=[failure_key(client), block_key(client)], args=self.args)
        return bool(blocked)

    async def succeeded(self, client: str) -> None:
        await self.redis.delete(failure_key(client))
