"""What a run measured, per endpoint and per endpoint group, from Locust's response-time histograms.

Endpoint groups are the gateway route table's rate-limit groups (``public``, ``auth``, ``login``,
``default``, ``trading``, ``insights``), so one fact decides both how a route is limited and how it is
judged; requests outside the table are ``other``, and ``all`` is every request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from apps.gateway.route_table import ROUTES

ALL = "all"
OTHER = "other"


def group_of(method: str, name: str) -> str:
    for spec in ROUTES:
        if spec.path == name and method.upper() in spec.methods:
            return spec.group
    return OTHER


def percentile(histogram: dict[int, int], fraction: float) -> int | None:
    """Locust's own percentile of a {rounded ms: count} histogram, so the figures match its reports."""
    total = sum(histogram.values())
    if total == 0:
        return None
    wanted = int(total * fraction)
    seen = 0
    for millis in sorted(histogram, reverse=True):
        seen += histogram[millis]
        if total - seen <= wanted:
            return millis
    return 0


@dataclass(frozen=True)
class EndpointStats:
    method: str
    name: str
    requests: int
    failures: int
    histogram: dict[int, int] = field(default_factory=dict)
    total_ms: float = 0.0
    max_ms: float = 0.0

    @property
    def group(self) -> str:
        return group_of(self.method, self.name)


@dataclass(frozen=True)
class GroupStats:
    group: str
    requests: int
    failures: int
    rps: float
    p50_ms: int | None
    p95_ms: int | None
    p99_ms: int | None
    avg_ms: float | None
    max_ms: float

    @property
    def error_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    def percentile_ms(self, name: str) -> int | None:
        value: int | None = getattr(self, f"{name}_ms")
        return value


def combine(group: str, endpoints: Iterable[EndpointStats], duration_s: float) -> GroupStats:
    histogram: dict[int, int] = {}
    requests = failures = 0
    total_ms = max_ms = 0.0
    for endpoint in endpoints:
        requests += endpoint.requests
        failures += endpoint.failures
        total_ms += endpoint.total_ms
        max_ms = max(max_ms, endpoint.max_ms)
        for millis, count in endpoint.histogram.items():
            histogram[millis] = histogram.get(millis, 0) + count
    timed = sum(histogram.values())
    return GroupStats(
        group=group,
        requests=requests,
        failures=failures,
        rps=requests / duration_s if duration_s > 0 else 0.0,
        p50_ms=percentile(histogram, 0.50),
        p95_ms=percentile(histogram, 0.95),
        p99_ms=percentile(histogram, 0.99),
        avg_ms=total_ms / timed if timed else None,
        max_ms=max_ms,
    )


PEAK_WINDOW_S = 10


@dataclass(frozen=True)
class Measurement:
    duration_s: float
    endpoints: list[EndpointStats]
    user_exceptions: int = 0
    requests_per_second: dict[int, int] = field(default_factory=dict)
    """Every request by the Unix second it was made in."""

    def peak_rps(self, window_s: int = PEAK_WINDOW_S) -> float | None:
        """The highest throughput sustained over ``window_s`` whole seconds (the first and last seconds of a
        run are partial and left out): what the system does at saturation, ramps excluded."""
        if not self.requests_per_second:
            return None
        first, last = min(self.requests_per_second) + 1, max(self.requests_per_second) - 1
        counts = [self.requests_per_second.get(second, 0) for second in range(first, last + 1)]
        if len(counts) < window_s:
            return None
        return max(sum(counts[i:i + window_s]) / window_s for i in range(len(counts) - window_s + 1))

    def groups(self) -> dict[str, GroupStats]:
        """``all`` first, then each group that saw requests, in name order."""
        by_group: dict[str, list[EndpointStats]] = {}
        for endpoint in self.endpoints:
            by_group.setdefault(endpoint.group, []).append(endpoint)
        result = {ALL: combine(ALL, self.endpoints, self.duration_s)}
        for name in sorted(by_group):
            result[name] = combine(name, by_group[name], self.duration_s)
        return result
