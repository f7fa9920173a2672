"""up, down, status and logs of the local stack."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

from apps.common.models import dynamodb_connection
from apps.common.settings import PlatformSettings
from ops.keys import KeyPair, local_platform_env
from ops.servers import ServerError, ServerProcess, http_ok, wait_healthy
from ops.stack import components
from ops.stack.config import StackSettings
from ops.stack.state import Component, StackState, alive, resident_bytes, stop_process_group
from ops.tables import ensure_tables

log = logging.getLogger(__name__)

PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "GOOGLE_GEMINI_API_KEY", "INSIGHTS_PROVIDER")


class StackError(RuntimeError):
    """The stack cannot be brought up or down; the message says why."""


def _component(server: ServerProcess, kind: str, health_path: str | None) -> Component:
    health = f"http://127.0.0.1:{server.port}{health_path}" if health_path else None
    return Component(server.name, kind, server.port, server.pid, components.log_path_of(server), health)


def up(settings: StackSettings) -> StackState:
    """Starts every component in dependency order and returns once all are healthy."""
    previous = StackState.load(settings.state_file)
    if previous is not None and any(c.pid and alive(c.pid) for c in previous.components):
        raise StackError("the stack is already running (`make status`, or `make down` first)")
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    running: list[Component] = []
    try:
        aws = components.start_aws_endpoint(settings)
        running.append(_component(aws, aws.name, None) if aws else
                       Component("aws", "external", settings.aws_port, None, None, None))
        redis = components.start_redis_backend(settings)
        running.append(_component(redis, redis.name, None))
        platform = PlatformSettings.model_validate(
            local_platform_env(settings.aws_port, settings.redis_port, settings.table_prefix, "unused"))
        created = ensure_tables(dynamodb_connection(platform), settings.table_prefix)
        log.info("tables: %s", ", ".join(created) if created else "already there")

        passthrough = {name: value for name in PASSED_THROUGH if (value := os.environ.get(name))}
        env = components.apps_environment(settings, KeyPair.generate(), passthrough)
        apps = []
        for app in components.launch_apps(settings, env):
            apps.append(app)
            running.append(_component(app, "uvicorn", "/health"))
        for app in apps:
            wait_healthy(app, timeout=60)
        if settings.with_prometheus:
            prometheus = components.start_prometheus(settings)
            if prometheus is not None:
                running.append(_component(prometheus, "prometheus", "/-/ready"))
    except (ServerError, OSError) as exc:
        _stop(running)
        raise StackError(str(exc)) from exc
    state = StackState(time.time(), round(time.monotonic() - started, 2), running)
    state.save(settings.state_file)
    return state


def down(settings: StackSettings) -> list[str]:
    """Stops everything the last ``up`` started; returns the names of components that would not stop."""
    state = StackState.load(settings.state_file)
    if state is None:
        return []
    stubborn = _stop(state.components)
    if not stubborn:
        settings.state_file.unlink(missing_ok=True)
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
    lines = [f"{'component':<15} {'kind':<15} {'port':>5} {'pid':>7} {'state':<10} {'RSS MB':>7}"]
    for row in rows:
        state = "running" if row.running else "STOPPED"
        if row.healthy is not None:
            state = "healthy" if row.healthy else "UNHEALTHY"
        c = row.component
        lines.append(f"{c.name:<15} {c.kind:<15} {c.port:>5} {c.pid or '-':>7} {state:<10} "
                     f"{row.resident_bytes / 2**20:>7.1f}")
    total = sum(row.resident_bytes for row in rows)
    lines.append(f"total resident memory: {total / 2**20:.0f} MB; gateway: {settings.gateway_url}")
    return "\n".join(lines)
