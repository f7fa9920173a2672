"""The pass/fail gates of a run: every limit of the profile against what was measured.

A gate that cannot be measured (a gated group saw no request) fails: a verdict is never assumed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ops.loadtest.measure import ALL, PEAK_WINDOW_S, Measurement
from ops.loadtest.profiles import Gates

PERCENTILES = ("p50", "p95", "p99")


@dataclass(frozen=True)
class GateVerdict:
    gate: str
    limit: float
    measured: float | None
    passed: bool
    unit: str

    @property
    def label(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def describe(self) -> str:
        measured = "not measured" if self.measured is None else f"{self.measured:g} {self.unit}"
        return f"{self.label} {self.gate}: {measured} (limit {self.limit:g} {self.unit})"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "label": self.label}


def _at_most(gate: str, limit: float, measured: float | None, unit: str) -> GateVerdict:
    return GateVerdict(gate, limit, measured, measured is not None and measured <= limit, unit)


def _at_least(gate: str, limit: float, measured: float | None, unit: str) -> GateVerdict:
    return GateVerdict(gate, limit, measured, measured is not None and measured >= limit, unit)


def evaluate(gates: Gates, measurement: Measurement, warm_up: Measurement | None = None) -> list[GateVerdict]:
    """Latency and throughput over ``measurement``; errors over the warm-up and ``measurement`` together."""
    groups = measurement.groups()
    overall = groups[ALL]
    whole = [overall, *([warm_up.groups()[ALL]] if warm_up is not None else [])]
    requests, failures = sum(g.requests for g in whole), sum(g.failures for g in whole)
    verdicts = [
        _at_most("error ratio", gates.max_error_ratio, round(failures / requests if requests else 0.0, 6), "ratio"),
        _at_most("exceptions in user code", 0, measurement.user_exceptions, "count"),
    ]
    if overall.requests == 0:
        verdicts.append(GateVerdict("requests made", 1, 0, False, "count"))
    if gates.min_rps is not None:
        verdicts.append(_at_least("throughput", gates.min_rps, round(overall.rps, 2), "req/s"))
    if gates.min_peak_rps is not None:
        peak = measurement.peak_rps()
        verdicts.append(_at_least(f"peak throughput over {PEAK_WINDOW_S} s", gates.min_peak_rps,
                                  None if peak is None else round(peak, 2), "req/s"))
    for group, limits in gates.latency_ms.items():
        stats = groups.get(group)
        for name in PERCENTILES:
            limit = getattr(limits, name)
            if limit is None:
                continue
            measured = stats.percentile_ms(name) if stats is not None else None
            verdicts.append(_at_most(f"{name} {group}", limit, measured, "ms"))
    return verdicts


def passed(verdicts: list[GateVerdict]) -> bool:
    return all(verdict.passed for verdict in verdicts)
