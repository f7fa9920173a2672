"""Cause alerts on the price feed, the insights model, DynamoDB and Redis, and scraping itself."""

from __future__ import annotations

from dashboards.config import APP_JOBS, CONFIG, TICKET
from dashboards.promql import ratio, series, summed_rate
from dashboards.rules.model import AlertingRule, RuleGroup

T = CONFIG.thresholds
ENV = (CONFIG.environment_label,)


def price_feed_stale() -> AlertingRule:
    published = series("inventory_price_feed_last_publish_timestamp_seconds", CONFIG.selectors.inventory)
    return AlertingRule(
        alert="InventoryPriceFeedStale",
        expr=f"time() - max by ({', '.join(ENV)}) ({published}) > {T.price_feed_max_age_seconds}",
        for_duration=T.price_feed_stale_for,
        severity="critical",
        summary="The price feed has not published for {{ $value | humanizeDuration }}",
        description=(
            "No inventory replica has published prices for more than "
            f"{T.price_feed_max_age_seconds} s: market orders are refused with price_unavailable and "
            "portfolios show old values."
        ),
    )


def insights_model_errors() -> AlertingRule:
    by = [*ENV, "provider"]
    window = T.model_errors_window
    failed = summed_rate(by, series("insights_model_errors_total", CONFIG.selectors.insights), window)
    calls = summed_rate(by, series("insights_model_latency_seconds_count", CONFIG.selectors.insights), window)
    return AlertingRule(
        alert="InsightsModelErrors",
        expr=f"{ratio(failed, calls)} > {T.model_error_ratio:g}",
        for_duration=T.model_errors_for,
        severity="warning",
        summary="Insights model calls to {{ $labels.provider }} are failing",
        description=(
            "{{ $value | humanizePercentage }} of the analysis calls to {{ $labels.provider }} failed over "
            f"{window} (alerting above {T.model_error_ratio:.0%}); users get degraded or no insights."
        ),
    )


def dependency_error_rate() -> AlertingRule:
    by = [*ENV, "service", "dependency", "operation"]
    failed = summed_rate(by, series("dependency_errors_total", CONFIG.selectors.apps), "5m")
    calls = summed_rate(by, series("dependency_request_duration_seconds_count", CONFIG.selectors.apps), "5m")
    return AlertingRule(
        alert="DependencyErrorRate",
        expr=f"{ratio(failed, calls)} > {T.dependency_error_ratio:g}",
        for_duration=T.dependency_errors_for,
        severity="warning",
        summary="{{ $labels.service }}: {{ $labels.dependency }} {{ $labels.operation }} calls are failing",
        description=(
            "{{ $value | humanizePercentage }} of {{ $labels.service }}'s {{ $labels.dependency }} "
            f"{{{{ $labels.operation }}}} calls failed over 5m (alerting above {T.dependency_error_ratio:.0%})."
        ),
    )


def target_down() -> AlertingRule:
    """Labelled with the ``service`` it scrapes, so Alertmanager can silence that service's symptoms."""
    down = f"{series('up', CONFIG.selectors.apps)} == 0"
    return AlertingRule(
        alert="PlatformTargetDown",
        expr=f'label_replace({down}, "service", "$1", "job", "(.*)")',
        for_duration=T.target_down_for,
        severity="warning",
        summary="Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }}",
        description=(
            f"The {{{{ $labels.job }}}} target {{{{ $labels.instance }}}} has failed every scrape for "
            f"{T.target_down_for}: the process is down, unready, or /metrics fails. Its panels go blank "
            "and its alerts cannot fire."
        ),
    )


def job_missing() -> AlertingRule:
    return AlertingRule(
        alert="PlatformJobMissing",
        expr="\nor\n".join(f'absent(up{{job="{job}"}})' for job in APP_JOBS),
        for_duration=T.target_down_for,
        severity="warning",
        summary="Prometheus has no target for {{ $labels.job }}",
        description=(
            "No {{ $labels.job }} target has been discovered for "
            f"{T.target_down_for}: the service is not scraped at all, so nothing about it is measured or alerted."
        ),
    )


def monitoring_target_down() -> AlertingRule:
    return AlertingRule(
        alert="MonitoringTargetDown",
        expr=f"{series('up', CONFIG.selectors.monitoring)} == 0",
        for_duration=T.target_down_for,
        severity=TICKET,
        summary="Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }}",
        description=(
            f"The {{{{ $labels.job }}}} target {{{{ $labels.instance }}}} has failed every scrape for "
            f"{T.target_down_for}: the alerts that read it (Redis, synthetic probes, notifications) cannot fire."
        ),
    )


def platform_alert_group() -> RuleGroup:
    return RuleGroup(
        "cnop-platform-alerts",
        (price_feed_stale(), insights_model_errors(), dependency_error_rate(), target_down(), job_missing(),
         monitoring_target_down()),
    )
