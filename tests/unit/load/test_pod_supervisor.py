"""The load pods' supervisor (``ops/loadtest/pod.py``): what the kubelet's probes see, and the master holding
its results until the runner has copied them. The child here stands in for Locust: a Python one-liner."""

from __future__ import annotations

import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ops.loadtest import pod
from ops.servers import free_port


def probe(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_master_turns_ready_with_its_results_and_exits_with_locust_s_code_once_collected(tmp_path: Path) -> None:
    gate = tmp_path / "locust-may-end"
    child = [sys.executable, "-c", f"import pathlib, sys, time\nwhile not pathlib.Path({str(gate)!r}).exists(): "
                                   "time.sleep(0.02)\nsys.exit(3)"]
    supervisor = pod.Supervisor("master", child, tmp_path, hold_s=30)
    port = free_port()
    server = pod.probe_server(supervisor, port, host="127.0.0.1")
    codes: list[int] = []
    runner = threading.Thread(target=lambda: codes.append(supervisor.run()))
    try:
        runner.start()
        until(lambda: supervisor.child is not None)
        assert (probe(port, "/healthz"), probe(port, "/readyz")) == (200, 503)  # Locust is running
        gate.touch()
        until(lambda: probe(port, "/readyz") == 200)
        assert (tmp_path / pod.EXIT_CODE_FILE).read_text() == "3\n"
        assert runner.is_alive()  # holding the results for the runner
        (tmp_path / pod.COLLECTED_FILE).touch()
        runner.join(timeout=10)
        assert codes == [3]
    finally:
        gate.touch()
        server.shutdown()


def test_a_master_nobody_collects_from_gives_up_after_the_hold(tmp_path: Path) -> None:
    supervisor = pod.Supervisor("master", [sys.executable, "-c", "pass"], tmp_path, hold_s=0.2)
    started = time.monotonic()
    assert supervisor.run() == 0
    assert 0.2 <= time.monotonic() - started < 5


def test_a_worker_is_ready_while_locust_runs_and_exits_with_it(tmp_path: Path) -> None:
    gate = tmp_path / "stop"
    child = [sys.executable, "-c", f"import pathlib, time\nwhile not pathlib.Path({str(gate)!r}).exists(): "
                                   "time.sleep(0.02)"]
    supervisor = pod.Supervisor("worker", child, None, hold_s=0)
    codes: list[int] = []
    runner = threading.Thread(target=lambda: codes.append(supervisor.run()))
    runner.start()
    try:
        until(lambda: supervisor.ready)
        gate.touch()
        runner.join(timeout=10)
        assert codes == [0] and not supervisor.ready
    finally:
        gate.touch()


def test_the_command_line_needs_the_locust_command_and_the_master_its_results_folder(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="usage"):
        pod.parse_args(["master", "--results", "/reports"])
    with pytest.raises(SystemExit):
        pod.parse_args(["master", "--", "locust"])
    assert "the master needs --results" in capsys.readouterr().err
    options, command = pod.parse_args(["worker", "--", "python", "-m", "locust", "--worker"])
    assert (options.role, options.probe_port, command) == ("worker", pod.PROBE_PORT,
                                                           ["python", "-m", "locust", "--worker"])
