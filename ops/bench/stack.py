"""The measured stack: DynamoDB Local, redis-server and the apps as real uvicorn processes, all on 127.0.0.1;
untraced, and optionally a traced path beside them (``TracedPath``) for measuring what tracing costs.

``running_stack`` stops every process it started when its block ends, however it ends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from apps.common.models import dynamodb_connection
from apps.common.services import SERVICES, public_entry, service
from apps.common.settings import PlatformSettings
from apps.gateway.route_table import ROUTES
from ops.keys import KeyPair
from ops.launcher import LocalPlatform, ServiceGroup, deterministic_settings
from ops.servers import ServerProcess, free_port, start_dynamodb_local, start_redis
from ops.tables import ensure_tables

log = logging.getLogger(__name__)

TRACED_GATEWAY = "gateway-traced"


@dataclass(frozen=True)
class TracedPath:
    """A second gateway (``TRACED_GATEWAY``) in front of traced copies of the apps that serve ``paths`` (public
    route templates; the other upstreams are the untraced ones), every one exporting every request's spans
    (sampling 1.0) over OTLP/HTTP to ``endpoint``."""

    endpoint: str
    paths: tuple[str, ...]

    def upstreams(self) -> list[str]:
        return sorted({spec.upstream for spec in ROUTES if spec.path in self.paths})

    def settings(self) -> dict[str, object]:
        """``TracingSettings`` by field."""
        return {"exporter_otlp_endpoint": self.endpoint, "traces_sampler_arg": 1.0}


@dataclass(frozen=True)
class Stack:
    platform: LocalPlatform
    """What every service was started with."""
    urls: dict[str, str]
    """Base URL of each service by name."""
    pids: dict[str, int]
    """Process id of each service by name (``make profile`` samples them)."""

    @property
    def settings(self) -> PlatformSettings:
        """The shared settings, for the bench's own in-process DynamoDB and Redis clients."""
        return self.platform.settings()


@contextmanager
def running_stack(log_dir: Path, table_prefix: str, startup_timeout: float = 90.0,
                  traced: TracedPath | None = None) -> Iterator[Stack]:
    log_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as processes:
        dynamodb = start_dynamodb_local(free_port(), log_dir / "dynamodb.log")
        processes.callback(_stop, dynamodb)
        redis = start_redis(free_port(), log_dir / "redis.log")
        processes.callback(_stop, redis)
        log.info("DynamoDB Local on port %d (pid %d), redis-server on port %d (pid %d)",
                 dynamodb.port, dynamodb.pid, redis.port, redis.pid)

        platform = LocalPlatform(dynamodb.port, redis.port, table_prefix, KeyPair.generate())
        ensure_tables(dynamodb_connection(platform.settings()), table_prefix)
        services = ServiceGroup(platform, log_dir)
        processes.callback(services.stop_all)
        for entry in SERVICES:
            services.launch(entry, settings=deterministic_settings(entry))  # a moving price moves the figures
        if traced is not None:
            _launch_traced(services, traced)
        services.wait_healthy(startup_timeout)
        urls = {name: services.url(name) for name in services.processes}
        for name, url in urls.items():
            log.info("%s app healthy at %s (pid %d)", name, url, services.processes[name].pid)
        yield Stack(platform=platform, urls=urls,
                    pids={name: process.pid for name, process in services.processes.items()})


def _launch_traced(services: ServiceGroup, traced: TracedPath) -> None:
    copies = {}
    for name in traced.upstreams():
        entry = service(name)
        services.launch(entry, f"{name}-traced", deterministic_settings(entry), tracing=traced.settings())
        copies[name] = services.url(f"{name}-traced")
    gateway = public_entry()
    services.launch(gateway, TRACED_GATEWAY, deterministic_settings(gateway), upstreams=copies,
                    tracing=traced.settings())


def _stop(server: ServerProcess) -> None:
    server.stop()
    log.info("stopped %s (pid %d, exit code %s)", server.name, server.pid, server.process.returncode)
