"""Pure figures from timed requests: percentiles, Server-Timing parsing and one summary per scenario."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sample:
    """One request as the client saw it: its latency, the server's own timing, and how it ended."""

    client_ms: float
    server_ms: float | None
    status: int | None
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def outcome(self) -> str:
        return str(self.status) if self.status is not None else self.failure or "unknown"


@dataclass(frozen=True)
class Distribution:
    """Latency percentiles in milliseconds."""

    count: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float


@dataclass(frozen=True)
class ScenarioSummary:
    name: str
    concurrency: int
    requests: int
    wall_seconds: float
    requests_per_second: float
    client: Distribution | None
    server: Distribution | None
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default and ``statistics``' inclusive)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be within [0, 1], not {fraction}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def distribution(values: Iterable[float]) -> Distribution | None:
    collected = list(values)
    if not collected:
        return None
    return Distribution(
        count=len(collected),
        p50=percentile(collected, 0.50),
        p95=percentile(collected, 0.95),
        p99=percentile(collected, 0.99),
        max=max(collected),
        mean=sum(collected) / len(collected),
    )


def server_timings(header: str | None) -> dict[str, float]:
    """Each metric's ``dur`` in a Server-Timing header: ``db;dur=3, user;dur=7.5`` -> {db: 3, user: 7.5}."""
    durations: dict[str, float] = {}
    for entry in (header or "").split(","):
        name, *parameters = (part.strip() for part in entry.split(";"))
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            duration = _number(value.strip().strip('"'))
            if name and key.strip().lower() == "dur" and duration is not None:
                durations.setdefault(name, duration)
    return durations


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def server_duration_ms(header: str | None, metrics: Sequence[str]) -> float | None:
    """The ``dur`` of the first of ``metrics`` the header carries (the server's own handling time)."""
    durations = server_timings(header)
    return next((durations[name] for name in metrics if name in durations), None)


def error_counts(samples: Iterable[Sample]) -> dict[str, int]:
    """Every non-2xx outcome by status code, or by exception name when there was no response."""
    counts = Counter(sample.outcome for sample in samples if not sample.ok)
    return dict(sorted(counts.items()))


def summarize(name: str, concurrency: int, samples: Sequence[Sample], wall_seconds: float) -> ScenarioSummary:
    """Latencies cover every answered request, errors included: a fast 503 is part of what clients see."""
    return ScenarioSummary(
        name=name,
        concurrency=concurrency,
        requests=len(samples),
        wall_seconds=wall_seconds,
        requests_per_second=len(samples) / wall_seconds if wall_seconds > 0 else 0.0,
        client=distribution(s.client_ms for s in samples if s.status is not None),
        server=distribution(s.server_ms for s in samples if s.server_ms is not None),
        errors=error_counts(samples),
    )
