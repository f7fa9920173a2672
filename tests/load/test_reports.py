"""Report pieces: the PNG writer, the charts from Locust's history, and the count cross-check."""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from pathlib import Path

import pytest

from ops.loadtest.charts import by_user_count, history, nice_ceiling, write_charts
from ops.loadtest.crosscheck import compare, locust_requests
from ops.loadtest.png import Canvas

pytestmark = pytest.mark.unit


def _decode(png: bytes) -> tuple[int, int, bytes]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    offset, chunks = 8, {}
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset:offset + 4])
        kind, data = png[offset + 4:offset + 8], png[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + data)
        chunks[kind] = data
        offset += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    return width, height, zlib.decompress(chunks[b"IDAT"])


def test_the_canvas_is_a_valid_png_with_the_pixels_drawn() -> None:
    canvas = Canvas(20, 10)
    canvas.line(0, 0, 19, 9, (255, 0, 0))
    canvas.text(1, 1, "P95", (0, 0, 0))
    width, height, raw = _decode(canvas.png())
    assert (width, height) == (20, 10)
    assert len(raw) == height * (1 + width * 3)
    assert raw[1:4] == b"\xff\x00\x00", "the line starts at the top-left pixel"


def test_charts_from_locusts_history(tmp_path: Path) -> None:
    csv = tmp_path / "locust_stats_history.csv"
    csv.write_text("Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,95%,99%\n"
                   "1000,0,,Aggregated,0,0,N/A,N/A,N/A\n"
                   "1001,5,,Aggregated,30.5,0,12,40,80\n"
                   "1001,5,GET,/x,30.5,0,12,40,80\n"
                   "1003,5,,Aggregated,33.0,1,14,45,120\n")
    columns = history(csv)
    assert columns["Requests/s"] == [(0.0, 0.0), (1.0, 30.5), (3.0, 33.0)]
    assert columns["95%"] == [(1.0, 40.0), (3.0, 45.0)]
    written = write_charts(csv, tmp_path)
    assert [path.name for path in written] == ["throughput.png", "latency.png"]
    assert all(_decode(path.read_bytes())[:2] == (960, 420) for path in written)
    assert write_charts(tmp_path / "missing.csv", tmp_path) == []
    assert by_user_count(csv) == [(5, 31.75, 42.5)]


def test_axis_ceilings_are_round_numbers() -> None:
    assert [nice_ceiling(v) for v in (0, 0.3, 7, 10, 11, 180, 201)] == [1, 0.5, 10, 10, 20, 200, 500]


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
