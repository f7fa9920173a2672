"""The one configuration shared by dashboards, recording rules and alerts: selectors, SLOs, thresholds.

Like kubernetes-mixin's ``_config``: change a selector or a threshold here and every panel, rule and
alert that uses it follows on the next ``make dashboards``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.common.services import SERVICES, names, public_entry

APP_JOBS = names()
"""Prometheus jobs are named after the services of the catalogue."""


def _job_regex(*jobs: str) -> str:
    return f'job=~"{"|".join(jobs)}"'


@dataclass(frozen=True, kw_only=True)
class Selectors:
    """Label matchers (without braces) that pick each app's series; Prometheus jobs are named after the apps."""

    apps: str = _job_regex(*APP_JOBS)
    gateway: str = f'job="{public_entry().name}"'
    trading: str = _job_regex(*(entry.name for entry in SERVICES if entry.moves_money))
    inventory: str = 'job="inventory"'
    insights: str = 'job="insights"'
    slo_routes: str = 'route!~"/health|/metrics"'
    """Operational endpoints (probes and scrapes) are not user traffic and stay out of the SLOs."""


@dataclass(frozen=True, kw_only=True)
class BurnRateWindow:
    """One multi-window condition: the error ratio over both windows exceeds ``factor`` x the budget."""

    long: str
    short: str
    factor: float


@dataclass(frozen=True, kw_only=True)
class BurnRateAlert:
    """One alert of the SRE workbook's multi-window multi-burn-rate scheme (its windows are or-ed)."""

    suffix: str
    pace: str
    severity: str
    for_duration: str
    windows: tuple[BurnRateWindow, ...]


PAGE = "critical"
TICKET = "warning"

SRE_WORKBOOK_BURN_RATES = (
    BurnRateAlert(
        suffix="Fast", pace="fast", severity=PAGE, for_duration="2m",
        windows=(BurnRateWindow(long="1h", short="5m", factor=14.4), BurnRateWindow(long="6h", short="30m", factor=6)),
    ),
    BurnRateAlert(
        suffix="Slow", pace="steadily", severity=TICKET, for_duration="15m",
        windows=(BurnRateWindow(long="1d", short="2h", factor=3), BurnRateWindow(long="3d", short="6h", factor=1)),
    ),
)


@dataclass(frozen=True, kw_only=True)
class Objective:
    """A request-based SLO: ``target`` of the requests over ``period`` are good."""

    name: str
    target: float
    period: str = "30d"
    burn_rates: tuple[BurnRateAlert, ...] = SRE_WORKBOOK_BURN_RATES

    @property
    def error_budget(self) -> float:
        return round(1 - self.target, 9)

    @property
    def windows(self) -> tuple[str, ...]:
        """Every window a burn-rate alert reads, shortest first: the SLO ratios recorded for each."""
        found = {w for alert in self.burn_rates for pair in alert.windows for w in (pair.long, pair.short)}
        return tuple(sorted(found, key=duration_seconds))


@dataclass(frozen=True, kw_only=True)
class LatencyObjective(Objective):
    """Requests faster than ``threshold_seconds`` are good; ``bucket_le`` is the histogram bucket that counts them
    (apps/common/metrics.py LATENCY_BUCKETS has one at exactly the threshold)."""

    threshold_seconds: float
    bucket_le: str


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    breaker_not_closed_for: str = "2m"
    rate_limit_storm_ratio: float = 0.2
    """Share of the gateway's requests refused with 429 that counts as a storm..."""
    rate_limit_storm_min_per_second: float = 1.0
    """...when at least this many requests per second are refused (a quiet hour's few 429s are not a storm)."""
    rate_limit_storm_for: str = "10m"
    limiter_unavailable_for: str = "5m"
    login_blocks_window: str = "15m"
    login_blocks_max: int = 10
    price_feed_max_age_seconds: int = 30
    """The feed ticks every 2 s and orders refuse prices older than ~3 ticks; 30 s is many lost ticks."""
    price_feed_stale_for: str = "1m"
    model_error_ratio: float = 0.25
    model_errors_window: str = "10m"
    model_errors_for: str = "10m"
    dependency_error_ratio: float = 0.05
    dependency_errors_for: str = "5m"
    target_down_for: str = "5m"


@dataclass(frozen=True, kw_only=True)
class Grafana:
    datasource_uid: str = "cnop-prometheus"
    datasource_name: str = "Prometheus (CNOP)"
    prometheus_url: str = "http://prometheus:9090"
    """Where Grafana reaches Prometheus in the compose stack; ``make dashboards-provision`` can override it."""
    scrape_interval: str = "15s"
    folder_uid: str = "cnop"
    folder_title: str = "CNOP"
    tags: tuple[str, ...] = ("cnop", "generated")
    refresh: str = "30s"
    time_from: str = "now-3h"
    container_dashboards_path: str = "/var/lib/grafana/dashboards/cnop"
    """Where the compose file mounts ``dashboards/generated``."""


@dataclass(frozen=True, kw_only=True)
class Config:
    environment_label: str = "environment"
    """Set by Prometheus on every target (scrape config or external label); absent locally, which matches "All"."""
    selectors: Selectors = field(default_factory=Selectors)
    availability: Objective = field(default_factory=lambda: Objective(name="availability", target=0.995))
    latency: LatencyObjective = field(
        default_factory=lambda: LatencyObjective(name="latency", target=0.95, threshold_seconds=0.3, bucket_le="0.3")
    )
    thresholds: Thresholds = field(default_factory=Thresholds)
    grafana: Grafana = field(default_factory=Grafana)
    runbook_base_url: str = "https://github.com/cnop/cnop-toolkit/blob/main/docs/runbooks"

    def runbook_url(self, alert: str) -> str:
        return f"{self.runbook_base_url}/{alert}.md"


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration_seconds(duration: str) -> int:
    """Seconds in a single-unit Prometheus duration such as ``5m`` or ``3d``."""
    return int(duration[:-1]) * _UNIT_SECONDS[duration[-1]]


CONFIG = Config()
