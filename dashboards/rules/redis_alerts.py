"""Alerts on the Redis server itself, from its exporter: down, memory nearly full, keys evicted."""

from __future__ import annotations

from dashboards.config import CONFIG, PAGE, TICKET
from dashboards.promql import increase, series
from dashboards.rules.model import AlertingRule, RuleGroup

T = CONFIG.thresholds
REDIS = CONFIG.selectors.redis


def redis_down() -> AlertingRule:
    return AlertingRule(
        alert="RedisDown",
        expr=f"{series('redis_up', REDIS)} == 0",
        for_duration=T.redis_down_for,
        severity=PAGE,
        summary="Redis does not answer its exporter ({{ $labels.instance }})",
        description=(
            f"The Redis exporter has not reached Redis for {T.redis_down_for}: authenticated requests are "
            "refused with 503 (revocations cannot be checked), public ones are served without rate limits "
            "or refused (GATEWAY_RATE_LIMIT_FAIL_MODE), trades wait for their lock."
        ),
    )


def redis_memory_high() -> AlertingRule:
    used = series("redis_memory_used_bytes", REDIS)
    limit = series("redis_memory_max_bytes", REDIS)
    machine = series("redis_total_system_memory_bytes", REDIS)
    return AlertingRule(
        alert="RedisMemoryHigh",
        expr=f"(\n  {used} / ({limit} > 0)\nor\n  {used} / {machine}\n) > {T.redis_memory_ratio:g}",
        for_duration=T.redis_memory_for,
        severity=TICKET,
        summary="Redis uses {{ $value | humanizePercentage }} of its memory",
        description=(
            "Redis has used more than "
            f"{T.redis_memory_ratio:.0%} of its memory limit (maxmemory, or the machine's memory where none is "
            f"set) for {T.redis_memory_for}: next it evicts keys or refuses writes, depending on its policy."
        ),
    )


def redis_evictions() -> AlertingRule:
    evicted = increase(series("redis_evicted_keys_total", REDIS), T.redis_evictions_window)
    return AlertingRule(
        alert="RedisEvictions",
        expr=f"{evicted} > 0",
        severity=PAGE,
        summary="Redis evicted {{ $value | humanize }} keys",
        description=(
            f"Redis evicted keys in the last {T.redis_evictions_window} to stay within its memory limit. "
            "Evicted revocations let revoked tokens through until they expire; evicted rate-limit, "
            "login-block and lock keys weaken the gateway's guards."
        ),
    )


def redis_alert_group() -> RuleGroup:
    return RuleGroup("cnop-redis-alerts", (redis_down(), redis_memory_high(), redis_evictions()))
