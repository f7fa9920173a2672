"""Gateway and security panels: refusals by reason and group, guards, upstream latency, breakers."""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat, timeseries
from grafana_foundation_sdk.models.dashboard import ValueMap, ValueMappingResult

from dashboards.config import CONFIG
from dashboards.panels.common import graph, single_stat
from dashboards.queries import gateway, probes


def auth_failures() -> timeseries.Panel:
    return graph("401 by reason", "Requests refused with 401 per second, by why the token was refused.", "reqps",
                 [gateway.auth_failures_by_reason()], stacked=True)


def rate_limited() -> timeseries.Panel:
    return graph("429 by rate-limit group", "Requests refused with 429 per second, by rate-limit group.", "reqps",
                 [gateway.rate_limited_by_group()], stacked=True)


def login_guard() -> timeseries.Panel:
    return graph(
        "Brute-force guard (403)",
        "Clients newly blocked after repeated failed logins, and logins refused with 403 while blocked.",
        "ops", [gateway.login_blocks(), gateway.blocked_requests()],
    )


def limiter_unavailable() -> timeseries.Panel:
    return graph(
        "Redis checks unavailable",
        "Requests whose revocation, block and rate-limit checks could not reach Redis, by what the gateway did.",
        "reqps", [gateway.limiter_unavailable_by_action()], event_only="the gateway cannot reach Redis",
    )


def responses_by_status() -> timeseries.Panel:
    return graph("Gateway responses by status", "The gateway's answers per second by HTTP status.", "reqps",
                 [gateway.responses_by_status()], stacked=True)


def upstream_latency() -> timeseries.Panel:
    return graph("Upstream latency", "Time waiting for each upstream's answer (p50 and p95).", "s",
                 [gateway.upstream_latency(0.5), gateway.upstream_latency(0.95)])


def upstream_responses() -> timeseries.Panel:
    return graph("Upstream answers by class", "Upstream answers per second by status class; error is no answer.",
                 "reqps", [gateway.upstream_responses_by_class()], stacked=True)


def response_cache() -> timeseries.Panel:
    return graph("Response cache", "Cacheable public reads per second: hit, answered by the gateway while the app's "
                 "max-age lasts; miss, forwarded.", "reqps", [gateway.response_cache_by_result()], stacked=True)


def breaker_state() -> stat.Panel:
    states = ValueMap({
        "0": ValueMappingResult(text="closed", color="green", index=0),
        "1": ValueMappingResult(text="open", color="red", index=1),
        "2": ValueMappingResult(text="half-open", color="orange", index=2),
    })
    return single_stat(
        "Circuit breakers", "Each upstream's breaker as the gateway last set it.", "none",
        [gateway.breaker_state()], event_only="a breaker first changes state",
        steps=[(1, "red"), (2, "orange")],
    ).mappings([states])


def breaker_transitions() -> timeseries.Panel:
    return graph("Breaker transitions", "State changes per interval, by upstream and new state.", "short",
                 [gateway.breaker_transitions()], event_only="a breaker changes state")


def breaker_rejections() -> timeseries.Panel:
    return graph("Failed fast by open breakers", "Requests answered 503 without calling the upstream.", "reqps",
                 [gateway.breaker_rejections()], event_only="a breaker opens")


def probe_availability() -> stat.Panel:
    return single_stat(
        "Public routes available (probes)",
        "Share of the blackbox exporter's synthetic probes of the public routes that succeeded over the "
        "dashboard's range: the users' view, independent of the apps' own metrics.",
        "percentunit", [probes.availability_over_range()],
        steps=[(CONFIG.thresholds.probe_success_ratio, "orange"), (0.99, "green")], base="red",
    ).decimals(2)


def probe_availability_by_route() -> timeseries.Panel:
    return graph(
        "Probe success by route",
        "Share of synthetic probes that succeeded, per public route; the dashed line is the alert's threshold.",
        "percentunit", [probes.availability_by_route()], limit=CONFIG.thresholds.probe_success_ratio,
    )


def probe_duration() -> timeseries.Panel:
    return graph("Probe duration by route", "How long each synthetic probe took, DNS to last byte.", "s",
                 [probes.duration_by_route()])
