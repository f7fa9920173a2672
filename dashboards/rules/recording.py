"""Recording rules: RED per service, and each SLO's error ratio over every window its alerts read."""

from __future__ import annotations

from collections.abc import Callable

from dashboards.config import CONFIG, Objective
from dashboards.queries import http, slo
from dashboards.rules.model import RecordingRule, RuleGroup


def red_group() -> RuleGroup:
    return RuleGroup(
        "cnop-http-red",
        (
            RecordingRule(http.REQUESTS, http.recorded_request_rate()),
            RecordingRule(http.ERRORS, http.recorded_error_rate()),
            RecordingRule(http.ERROR_RATIO, http.recorded_error_ratio()),
            RecordingRule(http.BUCKETS, http.recorded_bucket_rate()),
            *(RecordingRule(http.quantile_record(q), http.recorded_quantile(q)) for q in http.QUANTILES),
        ),
    )


def slo_group(objective: Objective, errors: Callable[[str], str]) -> RuleGroup:
    return RuleGroup(
        f"cnop-slo-{objective.name}",
        tuple(RecordingRule(slo.error_ratio_record(objective, w), errors(w)) for w in objective.windows),
    )


def slo_period_group() -> RuleGroup:
    """The period ratios change slowly and read a month of samples: evaluated once a minute, not every scrape."""
    objectives = (CONFIG.availability, CONFIG.latency)
    return RuleGroup(
        "cnop-slo-period",
        tuple(RecordingRule(slo.error_ratio_record(o, o.period), slo.period_errors(o)) for o in objectives),
        interval="1m",
    )


def recording_groups() -> list[RuleGroup]:
    return [
        red_group(),
        slo_group(CONFIG.availability, slo.availability_errors),
        slo_group(CONFIG.latency, slo.latency_errors),
        slo_period_group(),
    ]
