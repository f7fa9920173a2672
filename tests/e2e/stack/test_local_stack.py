"""The local stack, brought up by the same code as `make up`, walked through, and torn down leaving
nothing behind: once on DynamoDB Local and redis-server with the whole monitoring (Prometheus, Alertmanager,
the Redis and blackbox exporters, the alert receiver), once on the pip-only fallbacks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from apps.common.services import names
from ops.demo.walkthrough import run
from ops.servers import port_in_use
from ops.stack import runner
from ops.stack.config import StackSettings
from ops.stack.state import StackState, alive
from tests.support.listeners import listening_addresses

MONITORING_KINDS = {"prometheus": "prometheus", "alertmanager": "alertmanager", "redis-exporter": "redis_exporter",
                    "blackbox-exporter": "blackbox", "alert-receiver": "webhook-log"}


def _settings(run_dir: Path, **overrides: Any) -> StackSettings:
    return StackSettings.on_free_ports(run_dir, **overrides)


def _up_walk_down(settings: StackSettings, restarting: str | None = None) -> tuple[StackState, list[str]]:
    state = runner.up(settings)
    try:
        rows = runner.status(settings)
        assert rows and all(row.running and row.healthy is not False for row in rows)
        exposed = {row.component.name: listening_addresses(row.component.port) for row in rows}
        assert all(addresses == {"127.0.0.1"} for addresses in exposed.values()), exposed
        every_socket = {row.component.name: sockets_listened_on(row.component.pid) for row in rows
                        if row.component.pid}
        assert all(addresses <= {"127.0.0.1"} for addresses in every_socket.values()), every_socket
        holders = {row.component.name for row in rows if row.component.kind == "uvicorn"
                   and "AUTH_JWT_PRIVATE_KEY" in environment_of(row.component.pid)}
        assert holders == {"auth"}, "only the auth app signs, so only it holds the signing key"
        lines: list[str] = []
        results = run(settings.gateway_url, say=lines.append)
        assert {r.status for r in results} >= {200, 201, 401, 422, 429}
        assert any("429 after" in line for line in lines)
        if restarting:
            restarted = runner.restart(settings, restarting)
            after = {row.component.name: row for row in runner.status(settings)}
            assert after[restarting].component.pid == restarted.pid and after[restarting].healthy
            assert restarted.pid != state.component(restarting).pid  # type: ignore[union-attr]
    finally:
        assert runner.down(settings) == []
    return state, lines


def environment_of(pid: int | None) -> set[str]:
    """The names of the variables a process was started with."""
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return {entry.split(b"=", 1)[0].decode() for entry in raw.split(b"\0") if entry}


def sockets_listened_on(pid: int) -> set[str]:
    """Every address the process listens on, on any port (Alertmanager's cluster port, a debug port...)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # listening, and this process' socket
                ports.add(int(fields[1].partition(":")[2], 16))
    return {address for port in ports for address in listening_addresses(port)}


def _nothing_left(state: StackState, settings: StackSettings) -> None:
    pids = [c.pid for c in state.components if c.pid]
    assert pids and not [pid for pid in pids if alive(pid)]
    assert not settings.state_file.exists()
    assert runner.status(settings) == []


def test_stack_on_dynamodb_local_and_redis_server_with_the_monitoring(tmp_path: Path) -> None:
    settings = _settings(tmp_path, aws_backend="dynamodb-local", redis_backend="redis-server")
    state, _ = _up_walk_down(settings, restarting="alertmanager")
    kinds = {c.name: c.kind for c in state.components}
    assert kinds["aws"] == "dynamodb-local" and kinds["redis"] == "redis-server"
    assert kinds.items() >= MONITORING_KINDS.items()
    _nothing_left(state, settings)


def test_stack_on_the_pip_only_fallbacks(tmp_path: Path) -> None:
    settings = _settings(tmp_path, aws_backend="moto", redis_backend="fakeredis", with_prometheus=False)
    state, _ = _up_walk_down(settings)
    assert {c.name: c.kind for c in state.components}.items() >= {"aws": "moto", "redis": "fakeredis"}.items()
    assert {c.name for c in state.components} >= set(names())
    _nothing_left(state, settings)


def test_a_busy_port_is_a_clear_error_and_nothing_is_left_running(tmp_path: Path) -> None:
    settings = _settings(tmp_path, aws_backend="dynamodb-local", redis_backend="redis-server",
                         with_prometheus=False)
    import socket

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", settings.app_port("gateway")))
        blocker.listen()
        with pytest.raises(runner.StackError, match=f"port {settings.app_port('gateway')} is already in use"):
            runner.up(settings)
    assert not settings.state_file.exists()
    time.sleep(3)  # long enough for any orphaned app to have bound its port
    for port in (settings.aws_port, settings.redis_port, settings.app_port("auth"), settings.app_port("insights")):
        assert not port_in_use(port), f"port {port} still served after the failed start"
