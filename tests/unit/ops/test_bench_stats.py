"""The bench's figures: percentiles, Server-Timing parsing, per-scenario summaries and the target verdict."""

from __future__ import annotations

import random
import statistics

import pytest

from ops.bench.report import Target, judge
from ops.bench.stats import Sample, distribution, percentile, server_duration_ms, server_timings, summarize

ONE_TO_HUNDRED = [float(n) for n in range(1, 101)]


def test_percentiles_interpolate_between_closest_ranks() -> None:
    assert percentile(ONE_TO_HUNDRED, 0.50) == pytest.approx(50.5)
    assert percentile(ONE_TO_HUNDRED, 0.95) == pytest.approx(95.05)
    assert percentile(ONE_TO_HUNDRED, 0.99) == pytest.approx(99.01)
    assert percentile(ONE_TO_HUNDRED, 0.0) == 1.0
    assert percentile(ONE_TO_HUNDRED, 1.0) == 100.0


def test_percentile_sorts_its_input_and_handles_one_value() -> None:
    assert percentile([30.0, 10.0, 20.0], 0.5) == 20.0
    assert percentile([7.0], 0.99) == 7.0


def test_percentile_agrees_with_the_standard_library() -> None:
    values = [random.Random(7).uniform(1, 500) for _ in range(257)]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    for rank in (50, 95, 99):
        assert percentile(values, rank / 100) == pytest.approx(cuts[rank - 1])


def test_percentile_refuses_no_values_and_fractions_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile([], 0.5)
    with pytest.raises(ValueError):
        percentile([1.0], 1.5)


def test_distribution_of_one_to_hundred() -> None:
    figures = distribution(ONE_TO_HUNDRED)
    assert figures is not None
    assert (figures.count, figures.p50, figures.max, figures.mean) == (100, 50.5, 100.0, 50.5)
    assert distribution([]) is None


def test_server_timings_reads_every_metric_duration() -> None:
    header = 'edge;dur=11.5, app;desc="handler";dur=7.25, cache;desc=hit, db;dur=bad'
    assert server_timings(header) == {"edge": 11.5, "app": 7.25}
    assert server_timings(None) == {}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("order;dur=12.34", 12.34),
        ("app;dur=9", 9.0),
        ("db;dur=3, order;dur=7.5", 7.5),
        ("app;dur=4, order;dur=5", 5.0),
        ("application;dur=3", None),
        ("", None),
        (None, None),
    ],
)
def test_server_duration_takes_the_first_named_metric(header: str | None, expected: float | None) -> None:
    assert server_duration_ms(header, ("order", "app")) == expected


def test_summary_counts_every_non_2xx_and_keeps_answered_requests_in_the_latencies() -> None:
    samples = [
        Sample(client_ms=10.0, server_ms=8.0, status=201),
        Sample(client_ms=20.0, server_ms=16.0, status=201),
        Sample(client_ms=30.0, server_ms=24.0, status=200),
        Sample(client_ms=40.0, server_ms=2.0, status=503),
        Sample(client_ms=10_000.0, server_ms=None, status=None, failure="ReadTimeout"),
    ]

    summary = summarize("deposit-concurrent", 8, samples, wall_seconds=2.0)

    assert (summary.requests, summary.concurrency, summary.requests_per_second) == (5, 8, 2.5)
    assert summary.errors == {"503": 1, "ReadTimeout": 1}
    assert summary.error_count == 2
    assert summary.client is not None and summary.server is not None
    assert (summary.client.count, summary.client.p50, summary.client.max) == (4, 25.0, 40.0)
    assert summary.client.p95 == pytest.approx(38.5)
    assert (summary.server.count, summary.server.p50, summary.server.max) == (4, 12.0, 24.0)
    assert summary.server.p99 == pytest.approx(23.76)


def test_summary_of_only_failures_has_no_latencies() -> None:
    summary = summarize("down", 1, [Sample(5.0, None, None, "ConnectError")], wall_seconds=0.5)
    assert (summary.client, summary.server, summary.errors) == (None, None, {"ConnectError": 1})


def test_target_verdict_compares_the_server_p50_with_the_limit() -> None:
    fast = summarize("market-buy-sequential", 1, [Sample(12.0, s, 201) for s in (9.0, 10.0, 30.0)], 1.0)
    slow = summarize("market-buy-sequential", 1, [Sample(20.0, s, 201) for s in (14.0, 16.0, 18.0)], 1.0)
    target = Target("market-buy-sequential", 15.0, "a market buy's server-side p50 under 15 ms")

    assert (judge(target, [fast]).measured_ms, judge(target, [fast]).label) == (10.0, "PASS")
    assert (judge(target, [slow]).measured_ms, judge(target, [slow]).label) == (16.0, "FAIL")
    assert judge(target, []).label == "NOT MEASURED"
