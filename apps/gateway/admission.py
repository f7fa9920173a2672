"""Every per-request check that needs Redis, in one atomic script and one round trip.

Revoked token (refused too while Redis has not got the revocation list back after losing its data),
blocked client (brute-force guard) and the rate limits of the client and of the authenticated user are
decided together. Rate limiting is GCRA: each key holds a theoretical arrival
time; a request is allowed when it does not arrive earlier than ``limit`` emission intervals before
it. Both keys are only advanced when both allow the request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis.asyncio import Redis

from apps.common.revocation_keys import RESTORED_KEY, revoked_key
from apps.gateway.settings import RateLimitRule

_ADMISSION = """
if ARGV[1] == '1' then
    if redis.call('EXISTS', KEYS[2]) == 0 then return {-3, 0, 0, 0} end
    if redis.call('EXISTS', KEYS[1]) == 1 then return {-1, 0, 0, 0} end
end
if ARGV[2] == '1' then
    local blocked_for = redis.call('PTTL', KEYS[3])
    if blocked_for > 0 then return {-2, 0, 0, blocked_for} end
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local interval = tonumber(ARGV[3])
local period = interval * tonumber(ARGV[4])
local remaining, reset, retry_after = math.huge, 0, 0
local new_tats = {}
for i = 4, #KEYS do
    local tat = tonumber(redis.call('GET', KEYS[i])) or now
    if tat < now then tat = now end
    local new_tat = tat + interval
    local allow_at = new_tat - period
    if now < allow_at then
        retry_after = math.max(retry_after, allow_at - now)
        remaining = 0
        reset = math.max(reset, tat - now)
    else
        remaining = math.min(remaining, math.floor((now - allow_at) / interval))
        reset = math.max(reset, new_tat - now)
    end
    new_tats[i] = new_tat
end
if retry_after > 0 then return {0, 0, reset, retry_after} end
for i = 4, #KEYS do
    redis.call('SET', KEYS[i], new_tats[i], 'PX', math.ceil(new_tats[i] - now))
end
return {1, remaining, reset, 0}
"""


@dataclass(frozen=True)
class Admission:
    outcome: str  # allowed | rate_limited | revoked | revocations_unknown | blocked
    limit: int
    remaining: int
    reset_seconds: int
    retry_after_seconds: int

    def rate_headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }


_OUTCOMES = {1: "allowed", 0: "rate_limited", -1: "revoked", -2: "blocked", -3: "revocations_unknown"}


def block_key(client: str) -> str:
    return f"cnop:bruteforce:block:{client}"


def failure_key(client: str) -> str:
    return f"cnop:bruteforce:failures:{client}"


def rate_key(group: str, subject: str) -> str:
    return f"cnop:ratelimit:{group}:{subject}"


class AdmissionControl:
    def __init__(self, redis: Redis):
        self._script = redis.register_script(_ADMISSION)

    async def admit(
        self, rule: RateLimitRule, group: str, client: str, username: str | None, jti: str | None, login: bool
    ) -> Admission:
        keys = [revoked_key(jti or "-"), RESTORED_KEY, block_key(client), rate_key(group, f"client:{client}")]
        if username is not None:
            keys.append(rate_key(group, f"user:{username}"))
        interval_ms = rule.period_seconds * 1000 / rule.limit
        args = ["1" if jti else "0", "1" if login else "0", repr(interval_ms), str(rule.limit)]
        code, remaining, reset_ms, retry_ms = await self._script(keys=keys, args=args)
        outcome = _OUTCOMES[int(code)]
        refused = outcome in ("rate_limited", "blocked")
        return Admission(
            outcome=outcome,
            limit=rule.limit,
            remaining=int(remaining),
            reset_seconds=math.ceil(float(reset_ms) / 1000),
            # Lua returns integers: a wait under a millisecond arrives as 0, and is still a wait
            retry_after_seconds=max(1, math.ceil(float(retry_ms) / 1000)) if refused else 0,
        )
