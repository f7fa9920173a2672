"""Brute-force guard on login: N failed logins (401) from one client within the window block it.

Failures are counted per client and, within it, per target username: a successful login clears only the
failures against that username, so an attacker cannot wipe their guesses at a victim's password by
logging in to an account of their own in between. The block and the counts live in Redis.
"""

from __future__ import annotations

from redis.asyncio import Redis

from apps.gateway.admission import block_key, failure_key

_RECORD_FAILURE = """
redis.call('HINCRBY', KEYS[1], ARGV[4], 1)
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local failures = 0
for _, count in ipairs(redis.call('HVALS', KEYS[1])) do failures = failures + tonumber(count) end
if failures >= tonumber(ARGV[2]) then
    redis.call('SET', KEYS[2], '1', 'EX', ARGV[3])
    redis.call('DEL', KEYS[1])
    return 1
end
return 0
"""
MAX_USERNAME_CHARS = 64


def target_username(body: object) -> str:
    """The username a login body names, as the auth app reads it (lower-cased); '' when there is none."""
    name = body.get("username") if isinstance(body, dict) else None
    return name.lower()[:MAX_USERNAME_CHARS] if isinstance(name, str) else ""


class LoginGuard:
    def __init__(self, redis: Redis, max_failures: int, window_seconds: int, block_seconds: int):
        self.redis = redis
        self._record = redis.register_script(_RECORD_FAILURE)
        self.args = [str(window_seconds), str(max_failures), str(block_seconds)]

    async def failed(self, client: str, username: str) -> bool:
        """Counts a failed login against ``username``; True when this failure blocked the client."""
        blocked = await self._record(keys=[failure_key(client), block_key(client)], args=[*self.args, username])
        return bool(blocked)

    async def succeeded(self, client: str, username: str) -> None:
        await self.redis.hdel(failure_key(client), username)
