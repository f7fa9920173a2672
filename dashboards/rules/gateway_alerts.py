"""Alerts on the gateway: its guards (breakers, rate limits, the limiter, the brute-force guard) as causes, and
its public routes as users reach them (synthetic probes) as the symptom."""

from __future__ import annotations

from dashboards.config import CONFIG, PAGE
from dashboards.promql import increase, ratio, series, sum_by, summed_rate
from dashboards.rules.model import AlertingRule, RuleGroup

T = CONFIG.thresholds
ENV = (CONFIG.environment_label,)
GATEWAY = CONFIG.selectors.gateway


def breaker_open() -> AlertingRule:
    state = series("gateway_circuit_breaker_state", GATEWAY)
    return AlertingRule(
        alert="GatewayCircuitBreakerOpen",
        expr=f"max by ({', '.join([*ENV, 'upstream'])}) ({state}) > 0",
        for_duration=T.breaker_not_closed_for,
        severity="warning",
        summary="The gateway's circuit breaker to {{ $labels.upstream }} is not closed",
        description=(
            "The breaker for {{ $labels.upstream }} has been open or half-open for "
            f"{T.breaker_not_closed_for}: the gateway answers requests routed there with 503 without "
            "calling it. The upstream is failing or timing out."
        ),
    )


def rate_limit_storm() -> AlertingRule:
    refused = summed_rate(ENV, series("gateway_rate_limited_total", GATEWAY), "5m")
    answered = summed_rate(ENV, series("http_requests_total", GATEWAY), "5m")
    return AlertingRule(
        alert="GatewayRateLimitStorm",
        expr=(
            f"{ratio(refused, answered)} > {T.rate_limit_storm_ratio:g}\n"
            f"and\n{refused} > {T.rate_limit_storm_min_per_second:g}"
        ),
        for_duration=T.rate_limit_storm_for,
        severity="warning",
        summary="The gateway refuses many requests with 429",
        description=(
            "{{ $value | humanizePercentage }} of the gateway's requests were refused by rate limits over "
            f"{T.rate_limit_storm_for} (alerting above {T.rate_limit_storm_ratio:.0%} and "
            f"{T.rate_limit_storm_min_per_second:g}/s): a client loop, an attack, or limits too tight for real traffic."
        ),
    )


def limiter_unavailable() -> AlertingRule:
    unchecked = series("gateway_rate_limiter_unavailable_total", GATEWAY)
    return AlertingRule(
        alert="GatewayRateLimiterUnavailable",
        expr=f"{summed_rate([*ENV, 'action'], unchecked, '5m')} > 0",
        for_duration=T.limiter_unavailable_for,
        severity="warning",
        summary="The gateway cannot run its Redis checks (requests {{ $labels.action }})",
        description=(
            'For {{ printf "%.2f" $value }} requests/s over the last 5m the gateway could not reach Redis for '
            "revocation, block and rate-limit checks, and {{ $labels.action }} them: allowed means limits "
            "are not enforced, refused means users get errors."
        ),
    )


def login_block_spike() -> AlertingRule:
    blocks = sum_by(ENV, increase(series("gateway_login_blocks_total", GATEWAY), T.login_blocks_window))
    return AlertingRule(
        alert="GatewayLoginBlockSpike",
        expr=f"{blocks} > {T.login_blocks_max}",
        severity="warning",
        summary="Many clients blocked by the login brute-force guard",
        description=(
            "{{ $value | humanize }} clients were blocked for repeated failed logins in the last "
            f"{T.login_blocks_window} (alerting above {T.login_blocks_max}): likely credential stuffing."
        ),
    )


def probe_failing() -> AlertingRule:
    by = ", ".join([*ENV, "route"])
    success = series("probe_success", CONFIG.selectors.probes)
    return AlertingRule(
        alert="GatewayProbeFailing",
        expr=f"avg by ({by}) (avg_over_time({success}[{T.probe_window}])) < {T.probe_success_ratio:g}",
        for_duration=T.probe_failing_for,
        severity=PAGE,
        summary="Synthetic probes of {{ $labels.route }} through the gateway are failing",
        description=(
            "Only {{ $value | humanizePercentage }} of the blackbox exporter's probes of {{ $labels.route }} "
            f"succeeded over {T.probe_window} (alerting below {T.probe_success_ratio:.0%}): users reaching the "
            "public entry get errors or time-outs there, whatever the apps' own metrics say."
        ),
    )


def gateway_alert_group() -> RuleGroup:
    return RuleGroup(
        "cnop-gateway-alerts",
        (breaker_open(), rate_limit_storm(), limiter_unavailable(), login_block_spike(), probe_failing()),
    )
