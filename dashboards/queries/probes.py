"""The gateway's public routes as the blackbox exporter reaches them, independent of the apps' metrics."""

from __future__ import annotations

from dashboards.config import CONFIG
from dashboards.promql import ENVIRONMENT, RANGE, RATE_INTERVAL, Query, series


def _probes(metric: str) -> str:
    return series(metric, CONFIG.selectors.probes, ENVIRONMENT)


def availability_over_range() -> Query:
    return Query(f"avg(avg_over_time({_probes('probe_success')}[{RANGE}]))", "probes succeeded")


def availability_by_route() -> Query:
    return Query(f"avg by (route) (avg_over_time({_probes('probe_success')}[{RATE_INTERVAL}]))", "{{route}}")


def duration_by_route() -> Query:
    return Query(f"max by (route) ({_probes('probe_duration_seconds')})", "{{route}}")
