"""Gate evaluation: every limit of a profile against a measurement, a missing figure never passing."""

from __future__ import annotations

import pytest

from ops.loadtest.gates import evaluate, passed
from ops.loadtest.measure import ALL, OTHER, EndpointStats, Measurement, group_of, percentile
from ops.loadtest.profiles import Gates, LatencyLimits


def _endpoint(method: str, name: str, millis: list[int], failures: int = 0) -> EndpointStats:
    histogram: dict[int, int] = {}
    for value in millis:
        histogram[value] = histogram.get(value, 0) + 1
    return EndpointStats(method, name, len(millis), failures, histogram, float(sum(millis)), float(max(millis)))


def _run(seconds: float = 10.0, exceptions: int = 0) -> Measurement:
    return Measurement(seconds, [
        _endpoint("GET", "/api/v1/inventory/assets/{asset_id}", [5] * 90 + [40] * 10),
        _endpoint("POST", "/api/v1/orders", [20] * 95 + [300] * 5, failures=1),
    ], exceptions)


def _by_gate(gates: Gates, run: Measurement) -> dict[str, bool]:
    return {verdict.gate: verdict.passed for verdict in evaluate(gates, run)}


def test_percentiles_follow_locusts_rule() -> None:
    """Locust's own rule (``locust.stats.calculate_response_time_percentile``; importing Locust here would
    monkey-patch the test process with gevent): the smallest recorded time that leaves at most
    ``int(n * fraction)`` requests below it, counted from the slowest."""
    histogram = {10: 50, 20: 45, 100: 5}
    assert [percentile(histogram, f) for f in (0.5, 0.9, 0.95, 0.99, 1.0)] == [20, 20, 100, 100, 100]
    assert percentile({7: 1}, 0.5) == 7
    assert percentile({}, 0.5) is None


def test_endpoints_fall_into_the_route_tables_groups() -> None:
    assert group_of("GET", "/api/v1/inventory/assets/{asset_id}") == "public"
    assert group_of("POST", "/api/v1/orders") == "trading"
    assert group_of("POST", "/api/v1/auth/login") == "login"
    assert group_of("GET", "/api/v1/portfolio") == "default"
    assert group_of("DELETE", "/api/v1/orders") == OTHER
    assert group_of("GET", "/api/v1/inventory/assets/BTC") == OTHER, "a raw path is not a route template"
    groups = _run().groups()
    assert list(groups) == [ALL, "public", "trading"]
    assert groups[ALL].requests == 200 and groups[ALL].failures == 1
    assert groups["public"].p95_ms == 40 and groups["trading"].p99_ms == 300
    assert groups[ALL].rps == pytest.approx(20.0)


def test_a_run_within_every_limit_passes() -> None:
    gates = Gates(max_error_ratio=0.01, min_rps=10, latency_ms={
        ALL: LatencyLimits(p50=25, p95=50, p99=300), "public": LatencyLimits(p95=40)})
    verdicts = evaluate(gates, _run())
    assert passed(verdicts)
    assert {v.gate for v in verdicts} == {"error ratio", "exceptions in user code", "throughput", "p50 all",
                                          "p95 all", "p99 all", "p95 public"}


def test_each_breached_limit_fails_its_gate_and_the_run() -> None:
    gates = Gates(max_error_ratio=0.0, min_rps=50, latency_ms={"trading": LatencyLimits(p99=299)})
    verdicts = _by_gate(gates, _run(exceptions=1))
    assert verdicts == {"error ratio": False, "exceptions in user code": False, "throughput": False,
                        "p99 trading": False}


def test_a_gate_that_cannot_be_measured_fails() -> None:
    gates = Gates(latency_ms={"insights": LatencyLimits(p95=100)})
    verdicts = evaluate(gates, _run())
    insights = next(v for v in verdicts if v.gate == "p95 insights")
    assert not insights.passed and insights.measured is None
    assert "not measured" in insights.describe()
    assert not passed(evaluate(Gates(), Measurement(5.0, []))), "a run without a single request never passes"


def test_the_limit_itself_is_within_the_gate() -> None:
    at_limit = Gates(max_error_ratio=0.005, latency_ms={"public": LatencyLimits(p95=40)})
    assert passed(evaluate(at_limit, _run()))


def test_peak_throughput_is_the_best_ten_whole_seconds() -> None:
    per_second = {1000: 3, **{1001 + i: 100 for i in range(5)}, **{1006 + i: 250 for i in range(10)}, 1016: 7}
    run = Measurement(17.0, [_endpoint("GET", "/api/v1/inventory/assets", [5] * 1000)], 0, per_second)
    assert run.peak_rps() == 250.0, "the partial first and last seconds are left out"
    assert Measurement(3.0, [], 0, {1: 5, 2: 5, 3: 5}).peak_rps() is None, "too short to have a peak"
    verdicts = _by_gate(Gates(min_peak_rps=200), run)
    assert verdicts["peak throughput over 10 s"] is True
    assert _by_gate(Gates(min_peak_rps=251), run)["peak throughput over 10 s"] is False
    assert _by_gate(Gates(min_peak_rps=1), _run())["peak throughput over 10 s"] is False, "no data never passes"


def test_a_warm_up_counts_for_the_error_gates_only() -> None:
    """Latency and throughput judge the run after its warm-up; a failure in the warm-up still fails the run."""
    slow_start = Measurement(5.0, [_endpoint("POST", "/api/v1/orders", [900] * 10)])
    gates = Gates(max_error_ratio=0.0, min_rps=10, latency_ms={"trading": LatencyLimits(p99=300)})
    clean = Measurement(10.0, [_endpoint("POST", "/api/v1/orders", [20] * 200)])
    assert passed(evaluate(gates, clean, warm_up=slow_start))
    assert not passed(evaluate(gates, Measurement(15.0, [*slow_start.endpoints, *clean.endpoints]))), \
        "the same requests judged as one run fail the latency gate"
    failing_start = Measurement(5.0, [_endpoint("POST", "/api/v1/orders", [20] * 10, failures=1)])
    verdicts = {v.gate: v for v in evaluate(gates, clean, warm_up=failing_start)}
    assert not verdicts["error ratio"].passed and verdicts["error ratio"].measured == round(1 / 210, 6)
    assert verdicts["p99 trading"].passed and verdicts["throughput"].measured == 20.0
