"""Brute-force guard on login, in Redis, with three counts:

- per client, by target username: N failed logins (401) from one client within the window block the
  client (403). A successful login clears only the failures against the name that succeeded, so an
  attacker cannot wipe their guesses at a victim by logging in to an account of their own in between.
- per client and target name, attempts in flight: an attempt is reserved before it is forwarded, and
  refused (429) while the client's failures plus its attempts at that name still in flight reach N, so a
  burst of concurrent guesses at one account gets no more than N answers before the block, while logins of
  different users behind one address are not held back (a reservation lapses by itself if the gateway
  dies with it).
- per username, across clients: M failures against one account (M > N; 0 turns it off) lock that account's
  logins (403) for the block period, whichever addresses the guesses come from. The trade-off is plain: an
  attacker can keep one account locked out; guessing it from many addresses is stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from apps.gateway.admission import block_key, failure_key

_RESERVE = """
local failures = 0
for _, count in ipairs(redis.call('HVALS', KEYS[1])) do failures = failures + tonumber(count) end
local in_flight = tonumber(redis.call('GET', KEYS[2])) or 0
if failures + in_flight >= tonumber(ARGV[1]) then return {-1, 1} end
local locked_for = redis.call('PTTL', KEYS[3])
if locked_for > 0 then return {-2, locked_for} end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return {1, 0}
"""
_RELEASE = """
if (tonumber(redis.call('GET', KEYS[1])) or 0) > 0 then redis.call('DECR', KEYS[1]) end
"""
_FAILED = _RELEASE + """
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
local failures = 0
for _, count in ipairs(redis.call('HVALS', KEYS[2])) do failures = failures + tonumber(count) end
local blocked = 0
if failures >= tonumber(ARGV[3]) then
    redis.call('SET', KEYS[3], '1', 'EX', ARGV[4])
    redis.call('DEL', KEYS[2])
    blocked = 1
end
local locked = 0
if tonumber(ARGV[5]) > 0 and ARGV[1] ~= '' then
    local against = redis.call('INCR', KEYS[4])
    if against == 1 then redis.call('EXPIRE', KEYS[4], ARGV[2]) end
    if against >= tonumber(ARGV[5]) then
        redis.call('SET', KEYS[5], '1', 'EX', ARGV[4])
        redis.call('DEL', KEYS[4])
        locked = 1
    end
end
return {blocked, locked}
"""
_SUCCEEDED = _RELEASE + """
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
"""
MAX_USERNAME_CHARS = 64
IN_FLIGHT_SECONDS = 60
"""How long a reservation outlives a gateway that died holding it: beyond any upstream timeout."""


def target_username(body: object) -> str:
    """The username a login body names, as the auth app reads it (lower-cased); '' when there is none."""
    name = body.get("username") if isinstance(body, dict) else None
    return name.lower()[:MAX_USERNAME_CHARS] if isinstance(name, str) else ""


def in_flight_key(client: str, username: str) -> str:
    return f"cnop:bruteforce:inflight:{client}:{username}"


def name_failures_key(username: str) -> str:
    return f"cnop:bruteforce:name-failures:{username}"


def name_lock_key(username: str) -> str:
    return f"cnop:bruteforce:name-lock:{username}"


@dataclass(frozen=True)
class Reservation:
    outcome: str  # reserved | too_many_in_flight | account_locked
    retry_after_seconds: int


@dataclass(frozen=True)
class LoginFailure:
    client_blocked: bool
    account_locked: bool


class LoginGuard:
    def __init__(self, redis: Redis, max_failures: int, window_seconds: int, block_seconds: int,
                 max_failures_per_username: int):
        self.redis = redis
        self._reserve = redis.register_script(_RESERVE)
        self._release = redis.register_script(_RELEASE)
        self._failed = redis.register_script(_FAILED)
        self._succeeded = redis.register_script(_SUCCEEDED)
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.block_seconds = block_seconds
        self.max_failures_per_username = max_failures_per_username

    async def reserve(self, client: str, username: str) -> Reservation:
        code, wait_ms = await self._reserve(
            keys=[failure_key(client), in_flight_key(client, username), name_lock_key(username)],
            args=[str(self.max_failures), str(IN_FLIGHT_SECONDS)])
        outcome = {1: "reserved", -1: "too_many_in_flight", -2: "account_locked"}[int(code)]
        return Reservation(outcome, max(1, -(-int(wait_ms) // 1000)) if outcome != "reserved" else 0)

    async def failed(self, client: str, username: str) -> LoginFailure:
        """Counts a failed login against ``username``: releases the reservation, may block or lock."""
        blocked, locked = await self._failed(
            keys=[in_flight_key(client, username), failure_key(client), block_key(client),
                  name_failures_key(username), name_lock_key(username)],
            args=[username, str(self.window_seconds), str(self.max_failures), str(self.block_seconds),
                  str(self.max_failures_per_username)])
        return LoginFailure(bool(blocked), bool(locked))

    async def succeeded(self, client: str, username: str) -> None:
        await self._succeeded(keys=[in_flight_key(client, username), failure_key(client),
                                    name_failures_key(username)], args=[username])

    async def released(self, client: str, username: str) -> None:
        """An attempt that neither failed nor succeeded (refused input, upstream trouble)."""
        await self._release(keys=[in_flight_key(client, username)])
