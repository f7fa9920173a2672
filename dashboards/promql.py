"""Small PromQL builders, and the dashboard variables every query may use."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dashboards.config import CONFIG

RATE_INTERVAL = "$__rate_interval"
RANGE = "$__range"
ENVIRONMENT = f'{CONFIG.environment_label}=~"$environment"'
SERVICE = 'service=~"$service"'
UPSTREAM = 'upstream=~"$service"'
"""The gateway's upstreams are named after the services, so the service variable filters them too."""


@dataclass(frozen=True)
class Query:
    """One PromQL expression and how its series are named in a legend."""

    expr: str
    legend: str = ""
    exemplars: bool = False
    """Draw the exemplars (trace ids) Prometheus stored with the histogram's samples, linking to the trace."""


def series(metric: str, *matchers: str) -> str:
    """``metric{m1, m2}``; empty matchers are dropped."""
    present = [m for m in matchers if m]
    return f"{metric}{{{', '.join(present)}}}" if present else metric


def by(labels: Sequence[str]) -> str:
    return f"by ({', '.join(labels)})"


def sum_by(labels: Sequence[str], expr: str) -> str:
    return f"sum {by(labels)} ({expr})" if labels else f"sum({expr})"


def rate(selector: str, window: str) -> str:
    return f"rate({selector}[{window}])"


def increase(selector: str, window: str) -> str:
    return f"increase({selector}[{window}])"


def summed_rate(labels: Sequence[str], selector: str, window: str) -> str:
    return sum_by(labels, rate(selector, window))


def quantile(q: float, labels: Sequence[str], bucket_selector: str, window: str) -> str:
    """The ``q`` quantile of a histogram, per ``labels``."""
    return f"histogram_quantile({q}, {summed_rate([*labels, 'le'], bucket_selector, window)})"


def ratio(numerator: str, denominator: str) -> str:
    return f"(\n  {numerator}\n/\n  {denominator}\n)"


def ratio_or_zero(numerator: str, denominator: str) -> str:
    """``numerator / denominator`` that is 0, not absent, while the numerator has no series yet.

    Error counters with labels appear only after the first error; without the ``or`` a service with no
    5xx yet would have no error ratio at all, and a panel or alert could not tell "0%" from "no data".
    """
    return f"(\n  ({numerator})\n  or\n  ({denominator}) * 0\n)\n/\n  ({denominator})"


_VARIABLE = re.compile(r"\$(__rate_interval|__range|environment|service)\b")


def resolve(
    expr: str,
    *,
    rate_interval: str = "1m",
    time_range: str = "1h",
    environment: str = ".*",
    service: str = ".*",
) -> str:
    """The expression Grafana would send with "All" selected, for Prometheus' HTTP API or promtool."""
    values = {"__rate_interval": rate_interval, "__range": time_range, "environment": environment, "service": service}
    return _VARIABLE.sub(lambda match: values[match.group(1)], expr)
