"""up, down, restart and status of the local stack."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass

from redis import Redis

from apps.common.models import dynamodb_connection
from apps.common.revocation_keys import RESTORED_KEY
from apps.common.services import SERVICES, Service, service
from apps.common.services import upstreams as catalogue_upstreams
from ops.keys import KeyPair
from ops.launcher import LocalPlatform, launch
from ops.servers import ServerError, ServerProcess, http_ok, port_in_use
from ops.stack import components, monitoring
from ops.stack.config import StackSettings
from ops.stack.state import Component, StackState, alive, resident_bytes, stop_process_group
from ops.tables import ensure_tables

log = logging.getLogger(__name__)

AWS, REDIS = "aws", "redis"
PROMETHEUS = monitoring.PROMETHEUS


class StackError(RuntimeError):
    """The stack cannot be brought up, restarted or down; the message says why."""


def _component(server: ServerProcess, name: str, kind: str, health_path: str | None = None) -> Component:
    """``name`` is the component's role (``aws``, ``redis``, an app); ``kind`` the server that plays it."""
    health = f"http://127.0.0.1:{server.port}{health_path}" if health_path else None
    return Component(name, kind, server.port, server.pid, components.log_path_of(server), health)


def _redis(settings: StackSettings) -> Component:
    server = components.start_redis_backend(settings)
    return _component(server, REDIS, "redis-server" if server.name == "redis" else server.name)


def _prometheus(settings: StackSettings, running: Iterable[Component]) -> Component | None:
    server = monitoring.start_prometheus(settings, {c.name for c in running})
    return _monitored(server) if server else None


def _monitored(server: ServerProcess) -> Component:
    """``server.name`` is the component's name: ``prometheus``, ``alertmanager``, ``redis-exporter``..."""
    monitor = monitoring.MONITORS[server.name]
    return _component(server, server.name, monitor.kind, monitor.health_path)


TABLE_ADMIN_TIMEOUT_SECONDS = 20.0
"""A DynamoDB Local just started answers its first requests slowly on a busy machine (its JVM is cold): the
tables are created with more patience than the apps' per-call timeout."""


def _platform(settings: StackSettings) -> LocalPlatform:
    return components.platform_of(settings, KeyPair.load(settings.signing_key_file))


def _start_aws(settings: StackSettings) -> Component:
    """DynamoDB (in memory: empty at every start) and the tables of the one definition."""
    aws = components.start_aws_endpoint(settings)
    admin = _platform(settings).settings().model_copy(update={"dynamodb_timeout_seconds": TABLE_ADMIN_TIMEOUT_SECONDS})
    created = ensure_tables(dynamodb_connection(admin), settings.table_prefix)
    log.info("tables: %s", ", ".join(created) if created else "already there")
    return _component(aws, AWS, aws.name) if aws else Component(AWS, "external", settings.aws_port, None, None, None)


def _wait_token_checks(settings: StackSettings, seconds: float = 30.0) -> None:
    """Healthy apps may still be copying the revocation list into Redis (apps/common/revocations.py: a first
    copy that failed is tried again each second); until its marker is there every authenticated request is
    refused with 503, so the stack is not up before it."""
    with Redis(host="127.0.0.1", port=settings.redis_port, socket_timeout=2) as redis:
        deadline = time.monotonic() + seconds
        while not redis.exists(RESTORED_KEY):
            if time.monotonic() > deadline:
                raise ServerError(f"the apps did not copy the revocation list into Redis within {seconds:.0f} s")
            time.sleep(0.05)


def _start_app(settings: StackSettings, entry: Service) -> Component:
    upstreams = {upstream.name: settings.app_url(upstream.name) for upstream in catalogue_upstreams()}
    server = launch(entry, settings.app_port(entry.name), _platform(settings), upstreams=upstreams,
                    settings=components.service_settings(entry), log_path=settings.logs_dir / f"{entry.name}.log")
    return _component(server, entry.name, "uvicorn", entry.health_path)


def up(settings: StackSettings) -> StackState:
    """Starts every component in dependency order and returns once all are healthy."""
    previous = StackState.load(settings.state_file)
    if previous is not None and any(c.pid and alive(c.pid) for c in previous.components):
        raise StackError("the stack is already running (`make status`, or `make down` first)")
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(settings.redis_data_dir, ignore_errors=True)  # a new stack starts from nothing
    KeyPair.generate().save(settings.signing_key_file)
    started = time.monotonic()
    running: list[Component] = []
    try:
        running.append(_start_aws(settings))
        redis = _redis(settings)
        running.append(redis)
        apps: list[Component] = []
        for entry in SERVICES:  # each one kept as soon as it is started, so a failure stops it too
            apps.append(_start_app(settings, entry))
            running.append(apps[-1])
        if settings.with_prometheus:  # started while the apps start: none of them needs an app yet
            running.extend(_monitored(server) for server in monitoring.start_before_prometheus(settings, redis.kind))
        for component in apps:
            _wait_healthy(component)
        _wait_token_checks(settings)
        if settings.with_prometheus:
            log.info("deploy marker: version %s", monitoring.record_deploy(settings))
            prometheus = _prometheus(settings, running)
            if prometheus is not None:
                running.append(prometheus)
    except (ServerError, OSError) as exc:
        _stop(running)
        raise StackError(str(exc)) from exc
    state = StackState(time.time(), round(time.monotonic() - started, 2), running,
                       settings.model_dump(mode="json"))
    state.save(settings.state_file)
    return state


def restart(settings: StackSettings, name: str, lose_data: bool = False) -> Component:
    """Stops one component and starts it again on the same port with the same arguments; returns once it
    is healthy, with the state file following its new pid. Redis keeps its data (append-only file) unless
    ``lose_data``; DynamoDB Local is in memory, so it always comes back empty (tables recreated)."""
    state = StackState.load(settings.state_file)
    component = state.component(name) if state else None
    if state is None or component is None:
        known = ", ".join(c.name for c in state.components) if state else "none: `make up` first"
        raise StackError(f"no component {name!r} in the local stack (components: {known})")
    if component.pid is None:
        raise StackError(f"{component.name} is not run by this stack ({component.kind}): restart it where it runs")
    stack = StackSettings.model_validate(state.settings) if state.settings else settings
    if not stop_process_group(component.pid):
        raise StackError(f"{component.name} (pid {component.pid}) would not stop")
    _wait_port_free(component.port)
    if lose_data:
        shutil.rmtree(stack.redis_data_dir, ignore_errors=True)
    try:
        restarted = _start_again(stack, component, state.components)
        _wait_healthy(restarted)
    except (ServerError, OSError) as exc:
        raise StackError(f"{component.name} did not come back: {exc}") from exc
    state.replacing(restarted).save(settings.state_file)
    log.info("%s restarted: pid %s on port %d", restarted.name, restarted.pid, restarted.port)
    return restarted


def _start_again(settings: StackSettings, component: Component, running: list[Component]) -> Component:
    if component.name == AWS:
        return _start_aws(settings)
    if component.name == REDIS:
        return _redis(settings)
    if component.name == PROMETHEUS:
        prometheus = _prometheus(settings, running)
        if prometheus is None:
            raise ServerError("prometheus is not installed")
        return prometheus
    if component.name in monitoring.STARTERS:
        server = monitoring.STARTERS[component.name](settings)
        if server is None:
            raise ServerError(f"{component.name} is not installed")
        return _monitored(server)
    return _start_app(settings, service(component.name))


def stop(settings: StackSettings, name: str) -> Component:
    """Stops one component and leaves it stopped, as a crash would (``make status`` shows it STOPPED) until
    ``restart`` starts it again."""
    state = StackState.load(settings.state_file)
    component = state.component(name) if state else None
    if component is None or component.pid is None:
        raise StackError(f"no component {name!r} run by the local stack")
    if not stop_process_group(component.pid):
        raise StackError(f"{component.name} (pid {component.pid}) would not stop")
    log.info("%s stopped (pid %s)", component.name, component.pid)
    return component


def _wait_healthy(component: Component, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while component.health_url is not None and not http_ok(component.health_url):
        if component.pid is not None and not alive(component.pid):
            raise ServerError(f"{component.name} exited while starting (log: {component.log})")
        if time.monotonic() > deadline:
            raise ServerError(f"{component.name} not healthy after {timeout:.0f}s (log: {component.log})")
        time.sleep(0.05)


def _wait_port_free(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while port_in_use(port):
        if time.monotonic() > deadline:
            raise StackError(f"port {port} is still in use after its process stopped")
        time.sleep(0.05)


def down(settings: StackSettings) -> list[str]:
    """Stops everything the last ``up`` started; returns the names of components that would not stop."""
    state = StackState.load(settings.state_file)
    if state is None:
        return []
    stubborn = _stop(state.components)
    if not stubborn:
        settings.state_file.unlink(missing_ok=True)
        settings.signing_key_file.unlink(missing_ok=True)
    return stubborn


def _stop(started: Iterable[Component]) -> list[str]:
    stubborn = []
    for component in reversed(list(started)):
        if component.pid is not None and not stop_process_group(component.pid):
            stubborn.append(component.name)
    return stubborn


@dataclass(frozen=True)
class ComponentStatus:
    component: Component
    running: bool
    healthy: bool | None
    resident_bytes: int


def status(settings: StackSettings) -> list[ComponentStatus]:
    state = StackState.load(settings.state_file)
    if state is None:
        return []
    result = []
    for component in state.components:
        running = component.pid is None or alive(component.pid)
        healthy = http_ok(component.health_url) if component.health_url and running else None
        memory = resident_bytes(component.pid) if component.pid else 0
        result.append(ComponentStatus(component, running, healthy, memory))
    return result


def format_status(rows: list[ComponentStatus], settings: StackSettings) -> str:
    if not rows:
        return "the local stack is not running (`make up`)"
    lines = [f"{'component':<17} {'kind':<15} {'port':>5} {'pid':>7} {'state':<10} {'RSS MB':>7}"]
    for row in rows:
        state = "running" if row.running else "STOPPED"
        if row.healthy is not None:
            state = "healthy" if row.healthy else "UNHEALTHY"
        c = row.component
        lines.append(f"{c.name:<17} {c.kind:<15} {c.port:>5} {c.pid or '-':>7} {state:<10} "
                     f"{row.resident_bytes / 2**20:>7.1f}")
    total = sum(row.resident_bytes for row in rows)
    lines.append(f"total resident memory: {total / 2**20:.0f} MB; gateway: {settings.gateway_url}")
    return "\n".join(lines)
