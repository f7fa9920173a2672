"""Report pieces: the charts from Locust's history, and the count cross-check."""

from __future__ import annotations

import struct
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.patches import Rectangle

from ops.loadtest.charts import FaultWindow, by_user_count, history, latency_chart, throughput_chart, write_charts
from ops.loadtest.crosscheck import compare, locust_requests

HISTORY = ("Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,95%,99%\n"
           "1000,0,,Aggregated,0,0,N/A,N/A,N/A\n"
           "1001,5,,Aggregated,30.5,0,12,40,80\n"
           "1001,5,GET,/x,30.5,0,12,40,80\n"
           "1003,5,,Aggregated,33.0,1,14,45,120\n"
           "1005,10,,Aggregated,61.0,0,15,50,90\n"
           "1007,10,,Aggregated,0,0,0,0,0\n")


@pytest.fixture
def history_csv(tmp_path: Path) -> Path:
    csv = tmp_path / "locust_stats_history.csv"
    csv.write_text(HISTORY)
    return csv


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _legend(figure: Figure) -> list[str]:
    legend = figure.axes[0].get_legend()
    assert legend is not None
    return [text.get_text() for text in legend.get_texts()]


def test_the_history_is_the_aggregated_rows_in_seconds_since_the_first(history_csv: Path) -> None:
    run = history(history_csv)
    assert run is not None and run.started_at == 1000
    assert run.points("Requests/s") == [(0.0, 0.0), (1.0, 30.5), (3.0, 33.0), (5.0, 61.0), (7.0, 0.0)]
    assert run.points("95%")[:2] == [(1.0, 40.0), (3.0, 45.0)], "N/A before the first response is skipped"
    assert by_user_count(history_csv) == [(5, 31.75, 42.5), (10, 30.5, 50.0)], "a 0 ms p95 is no data"


def test_no_charts_without_an_aggregated_row(tmp_path: Path) -> None:
    assert write_charts(tmp_path / "missing.csv", tmp_path) == []
    headers_only = tmp_path / "locust_stats_history.csv"
    headers_only.write_text(HISTORY.splitlines()[0] + "\n")
    assert write_charts(headers_only, tmp_path) == []
    assert by_user_count(headers_only) == []


def test_the_charts_are_pngs_with_titled_axes_and_legends(history_csv: Path, tmp_path: Path) -> None:
    written = write_charts(history_csv, tmp_path, "smoke")
    assert [path.name for path in written] == ["throughput.png", "latency.png"]
    assert all(_png_size(path.read_bytes()) == (1200, 540) for path in written)
    pixels = imread(written[0])[:, :, :3]
    assert np.isclose(pixels, to_rgb("tab:blue"), atol=0.02).all(axis=2).sum() > 100, "the requests/s line is drawn"

    run = history(history_csv)
    assert run is not None
    throughput, latency = throughput_chart(run, "smoke"), latency_chart(run, "smoke")
    requests_axes, users_axes = throughput.axes
    assert requests_axes.get_title(loc="left") == "Throughput · smoke"
    assert (requests_axes.get_xlabel(), requests_axes.get_ylabel(), users_axes.get_ylabel()) == (
        "time since the run started (s)", "per second (Locust's 10 s average)", "users")
    assert _legend(throughput) == ["requests/s", "failures/s", "users"]
    assert latency.axes[0].get_title(loc="left") == "Latency percentiles · smoke"
    assert latency.axes[0].get_ylabel().startswith("response time (ms")
    assert _legend(latency) == ["p50", "p95", "p99"]
    p50 = latency.axes[0].get_lines()[0]
    assert list(p50.get_xdata()) == [1.0, 3.0, 5.0, 7.0]
    assert np.isnan(p50.get_ydata()[3]), "Locust's 0 for a window without responses is a gap, not 0 ms"


def test_fault_windows_are_shaded_and_labelled(history_csv: Path, tmp_path: Path) -> None:
    run = history(history_csv)
    assert run is not None
    window = FaultWindow(start=1002, end=1004, label="redis stopped")
    for figure in (throughput_chart(run, windows=[window]), latency_chart(run, windows=[window])):
        axes = figure.axes[0]
        (span,) = axes.patches
        assert isinstance(span, Rectangle) and (span.get_x(), span.get_width()) == (2, 2), "seconds since the start"
        assert [text.get_text() for text in axes.texts] == ["redis stopped"]
        assert _legend(figure)[-1] == "fault injected"
    assert not throughput_chart(run).axes[0].patches
    outlasting = FaultWindow(start=1005, end=1012, label="auth app killed")
    assert latency_chart(run, windows=[outlasting]).axes[0].get_xlim() == (0, 12), "the axis shows all of it"
    written = write_charts(history_csv, tmp_path, "chaos", [window])
    assert all(_png_size(path.read_bytes()) == (1200, 540) for path in written)


def test_counts_agree_within_the_tolerance() -> None:
    locust = locust_requests([{"method": "GET", "name": "/a", "status": 200, "count": 1000},
                              {"method": "GET", "name": "/a", "status": 0, "count": 4},
                              {"method": "POST", "name": "/b", "status": 201, "count": 10}])
    assert locust == Counter({("GET", "/a"): 1000, ("POST", "/b"): 10}), "unanswered requests are not counted"
    before = Counter({("GET", "/a"): 50})
    exact = compare(locust, before, before + locust)
    assert exact.passed and exact.tolerance == 3 and exact.gateway_total == 1010
    off_by_two = compare(locust, before, before + locust + Counter({("POST", "/b"): 2}))
    assert off_by_two.passed
    missing = compare(locust, before, before + Counter({("GET", "/a"): 1000}))
    assert not missing.passed and [r.difference for r in missing.rows] == [0, -10]
