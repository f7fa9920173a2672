"""The gateway's refusals (401, 403, 429), its Redis-backed guards, upstream latency and breakers."""

from __future__ import annotations

from dashboards.config import CONFIG
from dashboards.promql import ENVIRONMENT, RATE_INTERVAL, UPSTREAM, Query, quantile, series, sum_by, summed_rate

GATEWAY = CONFIG.selectors.gateway


def _gateway(metric: str, *matchers: str) -> str:
    return series(metric, GATEWAY, ENVIRONMENT, *matchers)


def auth_failures_by_reason() -> Query:
    return Query(summed_rate(["reason"], _gateway("gateway_auth_failures_total"), RATE_INTERVAL), "{{reason}}")


def rate_limited_by_group() -> Query:
    return Query(summed_rate(["group"], _gateway("gateway_rate_limited_total"), RATE_INTERVAL), "{{group}}")


def login_blocks() -> Query:
    return Query(summed_rate([], _gateway("gateway_login_blocks_total"), RATE_INTERVAL), "clients blocked")


def blocked_requests() -> Query:
    return Query(summed_rate([], _gateway("gateway_blocked_requests_total"), RATE_INTERVAL), "logins refused (403)")


def limiter_unavailable_by_action() -> Query:
    unchecked = _gateway("gateway_rate_limiter_unavailable_total")
    return Query(summed_rate(["action"], unchecked, RATE_INTERVAL), "{{action}}")


def upstream_latency(q: float) -> Query:
    buckets = _gateway("gateway_upstream_request_duration_seconds_bucket", UPSTREAM)
    legend = f"p{round(q * 100)} {{{{upstream}}}}"
    return Query(quantile(q, ["upstream"], buckets, RATE_INTERVAL), legend, exemplars=True)


def upstream_responses_by_class() -> Query:
    answered = _gateway("gateway_upstream_request_duration_seconds_count", UPSTREAM)
    return Query(summed_rate(["upstream", "status_class"], answered, RATE_INTERVAL), "{{upstream}} {{status_class}}")


def response_cache_by_result() -> Query:
    lookups = _gateway("gateway_response_cache_lookups_total")
    return Query(summed_rate(["result"], lookups, RATE_INTERVAL), "{{result}}")


def breaker_state() -> Query:
    state = _gateway("gateway_circuit_breaker_state", UPSTREAM)
    return Query(f"max by (upstream) ({state})", "{{upstream}}")


def breaker_transitions() -> Query:
    moved = _gateway("gateway_circuit_breaker_transitions_total", UPSTREAM)
    return Query(
        sum_by(["upstream", "to_state"], f"increase({moved}[{RATE_INTERVAL}])"), "{{upstream}} -> {{to_state}}"
    )


def breaker_rejections() -> Query:
    failed_fast = _gateway("gateway_circuit_breaker_rejections_total", UPSTREAM)
    return Query(summed_rate(["upstream"], failed_fast, RATE_INTERVAL), "{{upstream}}")


def responses_by_status() -> Query:
    """The gateway's own answers, whatever the service variable says (it filters upstreams here)."""
    return Query(summed_rate(["status"], _gateway("http_requests_total"), RATE_INTERVAL), "{{status}}")
