"""``make profile``'s reading of py-spy's collapsed stacks: idle waits left out, each sample put in the part of
the gateway whose frame is deepest, and the summary's figures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ops.bench.profile import EVENT_LOOP, PARTS, READS, Profiled, parts_of, to_markdown

RUN = "run (asyncio/runners.py:118)"
SERVER = "run_asgi (uvicorn/protocols/http/httptools_impl.py:422)"


def test_samples_go_to_the_deepest_known_part_and_idle_waits_are_left_out(tmp_path: Path) -> None:
    collapsed = tmp_path / "gateway.txt"
    collapsed.write_text("\n".join([
        f"{RUN};{SERVER};__call__ (apps/common/middleware.py:98);handle (apps/gateway/pipeline.py:80);"
        "request (apps/gateway/upstream_http.py:150);send (apps/gateway/upstream_http.py:112) 6",
        f"{RUN};{SERVER};__call__ (apps/common/middleware.py:98);info (logging/__init__.py:1489) 2",
        f"{RUN};{SERVER};handle (apps/gateway/pipeline.py:60);admit (apps/gateway/admission.py:70) 4",
        f"{RUN} 3",
        f"{RUN};select (selectors.py:468) 50",
        f"{RUN};epoll_wait (libc.so.6) 40",
    ]) + "\n")
    parts = parts_of(collapsed)
    assert parts["upstream call (apps/gateway/upstream_http.py, proxy.py)"] == pytest.approx(6 / 15)
    assert parts["access log"] == pytest.approx(2 / 15)
    assert parts["admission: rate limit and revocation (Redis script)"] == pytest.approx(4 / 15)
    assert parts[EVENT_LOOP] == pytest.approx(3 / 15)
    assert sum(parts.values()) == pytest.approx(1.0)


def test_the_summary_gives_cpu_per_request_and_the_ratio_to_the_app() -> None:
    shares = dict.fromkeys([name for name, _ in PARTS] + [EVENT_LOOP], 0.1)
    results = [Profiled(READS[0], 1000, 10.0, gateway_cpu_ms=0.5, upstream_cpu_ms=0.25, parts=shares)]
    text = to_markdown(results, datetime(2026, 12, 2, tzinfo=UTC), clients=4)
    assert "| asset-read-uncached | 1000 | 100 | 0.500 | 0.250 | 2.00x |" in text
    assert "| access log | 10% |" in text
