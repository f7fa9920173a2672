"""Locust's request counts against the gateway's own: ``http_requests_total{service="gateway"}`` read
before and after the run, compared route by route within a small tolerance.

A Locust that counted requests the gateway never saw (or the other way round) would make every other
figure of the run suspect; this is the check that they agree.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

OWN_ROUTES = {"/metrics", "/health", "/openapi.json"}
"""The gateway's own endpoints: scraped by us and by Prometheus, never by Locust."""

Key = tuple[str, str]  # method, route


def gateway_requests(gateway_url: str) -> Counter[Key]:
    text = httpx.get(f"{gateway_url}/metrics", timeout=10, trust_env=False).text
    counts: Counter[Key] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "http_requests_total" and labels.get("service") == "gateway" \
                    and labels.get("route") not in OWN_ROUTES:
                counts[labels["method"], labels["route"]] += int(sample.value)
    return counts


def locust_requests(statuses: Iterable[Mapping[str, Any]]) -> Counter[Key]:
    """Answered requests by (method, name) from the run summary (status 0 means no answer came back)."""
    counts: Counter[Key] = Counter()
    for row in statuses:
        if int(row["status"]) != 0:
            counts[str(row["method"]), str(row["name"])] += int(row["count"])
    return counts


@dataclass(frozen=True)
class RouteCount:
    method: str
    route: str
    locust: int
    gateway: int

    @property
    def difference(self) -> int:
        return self.gateway - self.locust


@dataclass(frozen=True)
class CrossCheck:
    rows: list[RouteCount]
    tolerance: int

    @property
    def locust_total(self) -> int:
        return sum(row.locust for row in self.rows)

    @property
    def gateway_total(self) -> int:
        return sum(row.gateway for row in self.rows)

    @property
    def passed(self) -> bool:
        within = all(abs(row.difference) <= self.tolerance for row in self.rows)
        return within and abs(self.gateway_total - self.locust_total) <= self.tolerance

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "tolerance": self.tolerance, "locust_total": self.locust_total,
                "gateway_total": self.gateway_total,
                "rows": [{**asdict(row), "difference": row.difference} for row in self.rows]}


def compare(locust: Counter[Key], before: Counter[Key], after: Counter[Key], relative: float = 0.002,
            absolute: int = 2) -> CrossCheck:
    """Within ``max(absolute, relative * total)`` per route and in total: requests cut off when Locust
    stopped may have reached one side only."""
    seen = after - before
    keys = sorted(set(locust) | set(seen))
    rows = [RouteCount(method, route, locust.get((method, route), 0), seen.get((method, route), 0))
            for method, route in keys]
    tolerance = max(absolute, math.ceil(relative * sum(locust.values())))
    return CrossCheck(rows, tolerance)


def gateway_sample(gateway_url: str, name: str, **labels: str) -> float:
    """The sum of the gateway's samples called ``name`` whose labels include ``labels`` (0 when none)."""
    text = httpx.get(f"{gateway_url}/metrics", timeout=10, trust_env=False).text
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()))
