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
class MonitoringJobs:
    """Prometheus jobs of what watches the platform: the local stack names its scrape jobs after these, and
    so must a cluster's ServiceMonitors and Probes."""

    redis: str = "redis"
    """prometheus-redis-exporter (locally) or the cluster's Redis exporter: the Redis server's own signals."""
    probes: str = "probes"
    """prometheus-blackbox-exporter's synthetic probes of the gateway's public routes."""
    alertmanager: str = "alertmanager"
    cloudwatch: str = "cloudwatch"
    """YACE (yet-another-cloudwatch-exporter): AWS's own signals of the tables, Redis and the load balancer; clusters
    on AWS only, so not among ``all``."""

    @property
    def all(self) -> tuple[str, ...]:
        """The jobs every environment has, the local stack included."""
        return (self.redis, self.probes, self.alertmanager)


JOBS = MonitoringJobs()


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
    redis: str = f'job="{JOBS.redis}"'
    probes: str = f'job="{JOBS.probes}"'
    cloudwatch: str = f'job="{JOBS.cloudwatch}"'
    monitoring: str = _job_regex(*JOBS.all, JOBS.cloudwatch)


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
    redis_down_for: str = "1m"
    redis_memory_ratio: float = 0.8
    """Share of Redis' memory limit (``maxmemory``; the machine's memory where none is set) in use."""
    redis_memory_for: str = "5m"
    redis_evictions_window: str = "5m"
    """Any key evicted in this window alerts: evicted revocations would let revoked tokens through."""
    probe_success_ratio: float = 0.9
    """Share of a public route's synthetic probes that must succeed..."""
    probe_window: str = "5m"
    """...over this window..."""
    probe_failing_for: str = "2m"
    """...below which, for this long, the route is reported unavailable."""


@dataclass(frozen=True, kw_only=True)
class Probes:
    """How the blackbox exporter probes the gateway's public routes (``dashboards/probes.py``)."""

    interval: str = "15s"
    timeout: str = "5s"
    sample_path_values: dict[str, str] = field(default_factory=lambda: {"asset_id": "BTC"})
    """Values for a public route's path parameters: the probe reads a real catalogue entry."""


@dataclass(frozen=True, kw_only=True)
class Notifications:
    """How Alertmanager groups and repeats notifications; every field can be overridden for a test or a demo."""

    group_by: tuple[str, ...] = ("environment", "alertname")
    """One notification per alert and environment, listing every service it affects."""
    group_wait: str = "30s"
    group_interval: str = "5m"
    page_repeat_interval: str = "1h"
    ticket_repeat_interval: str = "12h"


@dataclass(frozen=True, kw_only=True)
class Grafana:
    datasource_uid: str = "cnop-prometheus"
    datasource_name: str = "Prometheus (CNOP)"
    prometheus_url: str = "http://prometheus:9090"
    """Where Grafana reaches Prometheus in the compose stack; ``make dashboards-provision`` can override it."""
    scrape_interval: str = "15s"
    traces_datasource_uid: str = "cnop-tempo"
    """Where an exemplar's ``trace_id`` leads: the Tempo datasource (deploy/compose, the cluster's Grafana)."""
    logs_datasource_uid: str = "cnop-loki"
    """Where a span's log lines are: the Loki datasource."""
    alertmanager_datasource_uid: str = "cnop-alertmanager"
    """What is firing, silenced and inhibited, seen from Grafana (clusters; compose runs no Alertmanager)."""
    exemplar_trace_label: str = "trace_id"
    """The exemplar label the apps set (apps/common/metrics.py ``trace_exemplar``)."""
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
    probes: Probes = field(default_factory=Probes)
    notifications: Notifications = field(default_factory=Notifications)
    runbook_base_url: str = "https://github.com/cnop/cnop-toolkit/blob/main/docs/runbooks"
    """A placeholder until the repository has its public home; clusters pass theirs from stack config
    (``dashboards.rules.render.prometheus_rule_groups``, ``dashboards.alerting.alertmanager_config``)."""

    def runbook_url(self, alert: str, base_url: str | None = None) -> str:
        return f"{base_url or self.runbook_base_url}/{alert}.md"


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration_seconds(duration: str) -> int:
    """Seconds in a single-unit Prometheus duration such as ``5m`` or ``3d``."""
    return int(duration[:-1]) * _UNIT_SECONDS[duration[-1]]


CONFIG = Config()
