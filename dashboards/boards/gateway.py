"""Gateway and security: who is refused and why, the Redis-backed guards, upstreams and breakers."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard

from dashboards.boards.common import board
from dashboards.panels import gateway as p

UID = "cnop-gateway"


def build() -> dashboard.Dashboard:
    return (
        board(UID, "CNOP / Gateway and security",
              "401 by reason, 429 by group, the brute-force guard, upstream latency, circuit breakers and "
              "synthetic probes of the public routes. "
              "The service variable selects upstreams.")
        .with_row(dashboard.Row("Refusals"))
        .with_panel(p.auth_failures().span(8))
        .with_panel(p.rate_limited().span(8))
        .with_panel(p.login_guard().span(8))
        .with_panel(p.responses_by_status())
        .with_panel(p.limiter_unavailable())
        .with_row(dashboard.Row("Upstreams"))
        .with_panel(p.upstream_latency().span(8))
        .with_panel(p.upstream_responses().span(8))
        .with_panel(p.response_cache().span(8))
        .with_row(dashboard.Row("Circuit breakers"))
        .with_panel(p.breaker_state().span(6).height(8))
        .with_panel(p.breaker_transitions().span(9))
        .with_panel(p.breaker_rejections().span(9))
        .with_row(dashboard.Row("Synthetic probes of the public routes"))
        .with_panel(p.probe_availability().span(6).height(8))
        .with_panel(p.probe_availability_by_route().span(9))
        .with_panel(p.probe_duration().span(9))
    )
