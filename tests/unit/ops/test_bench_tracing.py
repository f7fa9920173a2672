"""The bench's tracing comparison: pairs measured in turns, their ratios, the traced path's apps, the summary."""

from __future__ import annotations

import pytest

from apps.gateway.route_table import ROUTES
from ops.bench.report import BenchReport, Machine, Target, to_markdown, tracing_comparisons
from ops.bench.runner import turn_shares
from ops.bench.scenarios import TRACED_PATHS
from ops.bench.stack import TracedPath
from ops.bench.stats import Sample, ScenarioSummary, summarize


def _summary(name: str, client_ms: float, count: int, wall_seconds: float) -> ScenarioSummary:
    return summarize(name, 1, [Sample(client_ms, None, 201)] * count, wall_seconds)


@pytest.mark.parametrize(("requests", "rounds"), [(300, 10), (7, 3), (2, 10)])
def test_turns_share_the_requests_out_whole(requests: int, rounds: int) -> None:
    shares = turn_shares(requests, rounds)
    assert sum(shares) == requests and len(shares) == rounds and max(shares) - min(shares) <= 1


def test_each_request_is_compared_untraced_against_traced() -> None:
    scenarios = [_summary("market-buy-sequential-untraced", 10.0, 100, 1.0),
                 _summary("market-buy-sequential-traced", 12.5, 100, 1.25),
                 _summary("balance-read-sequential-direct", 4.0, 100, 0.4)]
    [compared] = tracing_comparisons(scenarios)
    assert compared.name == "market-buy-sequential"
    assert compared.p50_ratio == pytest.approx(1.25)
    assert compared.throughput_ratio == pytest.approx(0.8)


def test_the_summary_has_a_tracing_section_with_the_spans_received() -> None:
    report = BenchReport(
        started_at="t0", finished_at="t1", machine=Machine(2, 2, "3.11", "Linux", 0.1),
        options={"requests": 100, "warmup": 10, "concurrency": 8}, target=Target("none", 15, "none"),
        scenarios=[_summary("balance-read-sequential-untraced", 6.0, 100, 0.6),
                   _summary("balance-read-sequential-traced", 7.5, 100, 0.75)],
        spans_received=1234,
    )
    text = to_markdown(report)
    assert "## Tracing overhead" in text and "1,234 spans received" in text
    assert "| balance-read-sequential | 6.00 | 7.50 | 1.25x | 166.7 | 133.3 | 0.80x |" in text


def test_the_traced_path_copies_exactly_the_apps_that_serve_the_compared_requests() -> None:
    traced = TracedPath("http://127.0.0.1:4318", tuple(TRACED_PATHS.values()))
    served = {spec.upstream for spec in ROUTES if spec.path in TRACED_PATHS.values()}
    assert traced.upstreams() == sorted(served) and len(served) == len(TRACED_PATHS)
    assert traced.settings() == {"exporter_otlp_endpoint": "http://127.0.0.1:4318", "traces_sampler_arg": 1.0}
