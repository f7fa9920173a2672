"""The one way every tool here starts a service of the catalogue: ``make up``, ``make bench``, the load and
security runs' stacks and the test fixtures all call ``launch``.

A service's environment is built from its settings class: the shared settings of the local platform
(where DynamoDB and Redis listen, the tables' prefix, the stack's public key), the service's own
settings given by field name (a typo is an error, not a silently ignored variable), the signing key for
the service that signs tokens and the upstream URLs for the public entry. Nothing else reaches it but
the operating system's basics and the variables its own settings read from the caller's environment
(``GOOGLE_GEMINI_API_KEY`` for insights, say): no other service's secrets, no proxies.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from apps.common.server_settings import ServerSettings
from apps.common.services import Service
from apps.common.settings import PlatformSettings
from apps.common.tracing import TracingSettings
from apps.gateway.settings import GatewaySettings, upstream_env_name
from ops.envnames import env_name, env_names
from ops.keys import KeyPair
from ops.servers import REPO, ServerProcess, app_command, free_port, refuse_busy_port, spawn, wait_healthy

OS_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class LocalPlatform:
    """The shared pieces of a stack on this machine, every one on 127.0.0.1."""

    dynamodb_port: int
    redis_port: int
    table_prefix: str
    keys: KeyPair | None = None
    """The stack's token key pair; only services need it, not a client of the tables."""
    log_level: str = "INFO"

    def shared_settings(self) -> dict[str, Any]:
        """``PlatformSettings`` fields by name, as every service of this stack gets them."""
        return {
            "environment": "localstack",
            "aws_endpoint_url": f"http://{LOOPBACK}:{self.dynamodb_port}",
            "aws_region": "us-east-1",
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
            "table_prefix_override": self.table_prefix,
            "redis_url": f"redis://{LOOPBACK}:{self.redis_port}/0",
            "jwt_public_key": self.keys.public_pem if self.keys else None,
            "log_level": self.log_level,
        }

    def settings(self) -> PlatformSettings:
        """The same shared settings, for clients in the calling process (tables, audits, fixtures)."""
        return PlatformSettings.model_validate(self.shared_settings())


def deterministic_settings(entry: Service) -> dict[str, Any]:
    """What keeps a service of a throw-away stack (tests, bench, load and security runs) deterministic and
    offline, by what its settings class offers: prices that only move when told to, the offline analyst."""
    fields = entry.settings_class().model_fields
    chosen: dict[str, Any] = {}
    if "price_feed_enabled" in fields:
        chosen["price_feed_enabled"] = False
    if "gemini_api_key" in fields:
        chosen["gemini_api_key"] = None
    return chosen


def _text(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value)
    return str(value)


def to_environment(settings_class: type[BaseSettings], values: Mapping[str, Any]) -> dict[str, str]:
    """Settings by field name as the variables that set them; ``None`` leaves a variable out."""
    unknown = sorted(set(values) - set(settings_class.model_fields))
    if unknown:
        raise ValueError(f"{settings_class.__name__} has no settings {unknown}")
    return {env_name(settings_class, field): _text(value) for field, value in values.items() if value is not None}


def environment(entry: Service, platform: LocalPlatform, settings: Mapping[str, Any] | None = None,
                upstreams: Mapping[str, str] | None = None, server: Mapping[str, Any] | None = None,
                tracing: Mapping[str, Any] | None = None, inherited: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The whole environment of one service of the stack: ``settings`` by field of its settings class (the
    shared ones included), ``server`` by field of ``ServerSettings``, ``tracing`` by field of ``TracingSettings``."""
    settings_class = entry.settings_class()
    readable = {*OS_VARIABLES, *env_names(PlatformSettings), *env_names(settings_class), *env_names(ServerSettings),
                *env_names(TracingSettings)}
    given = dict(settings or {})
    env = {name: value for name, value in inherited.items() if name in readable}
    for field in [field for field, value in given.items() if value is None]:
        env.pop(env_name(settings_class, field), None)
    if platform.keys is None:
        raise ValueError("services are launched with the stack's key pair (LocalPlatform.keys)")
    values = {**platform.shared_settings(), **given}
    if entry.signs_tokens:
        values["jwt_private_key"] = platform.keys.private_pem
    env |= (to_environment(settings_class, values) | to_environment(ServerSettings, server or {})
            | to_environment(TracingSettings, tracing or {}))
    if entry.public:
        if upstreams is None:
            raise ValueError(f"{entry.name} is the public entry: it needs its upstreams' URLs")
        env |= {upstream_env_name(name): url for name, url in upstreams.items()}
        GatewaySettings(upstreams=dict(upstreams))  # refuses a name the catalogue does not know
    return env


def launch(entry: Service, port: int, platform: LocalPlatform, *, settings: Mapping[str, Any] | None = None,
           upstreams: Mapping[str, str] | None = None, server: Mapping[str, Any] | None = None,
           tracing: Mapping[str, Any] | None = None, log_path: Path | None = None) -> ServerProcess:
    """Starts one service on 127.0.0.1:``port`` without waiting for it (``wait_healthy`` does)."""
    refuse_busy_port(port, f"the {entry.name} app")
    env = environment(entry, platform, settings, upstreams, server, tracing)
    return ServerProcess(entry.name, port, spawn(app_command(entry.name, port), log_path, cwd=REPO, env=env),
                         log_path)


def start(entry: Service, port: int, platform: LocalPlatform, *, settings: Mapping[str, Any] | None = None,
          upstreams: Mapping[str, str] | None = None, server: Mapping[str, Any] | None = None,
          tracing: Mapping[str, Any] | None = None, log_path: Path | None = None,
          timeout: float = 60.0) -> ServerProcess:
    """``launch``, then wait until its health check answers 200."""
    process = launch(entry, port, platform, settings=settings, upstreams=upstreams, server=server, tracing=tracing,
                     log_path=log_path)
    try:
        return wait_healthy(process, timeout, entry.health_path)
    except BaseException:
        process.stop()
        raise


class ServiceGroup:
    """Services of one stack started together (upstreams first, then public entries in front of them),
    each on a free port of 127.0.0.1, by name; ``stop_all`` stops every one, however the caller ends."""

    def __init__(self, platform: LocalPlatform, logs: Path):
        self.platform = platform
        self.logs = logs
        self.processes: dict[str, ServerProcess] = {}
        self._launched: dict[str, tuple[Service, Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]] = {}
        logs.mkdir(parents=True, exist_ok=True)

    def url(self, name: str) -> str:
        return f"http://{LOOPBACK}:{self.processes[name].port}"

    def upstream_urls(self) -> dict[str, str]:
        """The upstream services started under their own names (extra copies under other names are not)."""
        return {name: self.url(name) for name, (entry, *_) in self._launched.items()
                if not entry.public and name == entry.name}

    def launch(self, entry: Service, name: str | None = None, settings: Mapping[str, Any] | None = None,
               port: int | None = None, server: Mapping[str, Any] | None = None,
               upstreams: Mapping[str, str] | None = None, tracing: Mapping[str, Any] | None = None) -> ServerProcess:
        """Starts ``entry`` as ``name`` (default: its own); a public entry fronts the upstreams started so far
        (or those given)."""
        name = name or entry.name
        fronted = {**self.upstream_urls(), **(upstreams or {})} if entry.public else None
        process = launch(entry, port or free_port(), self.platform, settings=settings, upstreams=fronted,
                         server=server, tracing=tracing, log_path=self.logs / f"{name}.log")
        self.processes[name] = ServerProcess(name, process.port, process.process, process.log_path)
        self._launched[name] = (entry, dict(settings or {}), dict(server or {}), dict(tracing or {}))
        return self.processes[name]

    def wait_healthy(self, timeout: float = 90.0) -> None:
        for name, process in self.processes.items():
            if process.process.poll() is None:
                wait_healthy(process, timeout, self._launched[name][0].health_path)

    def stop(self, name: str) -> None:
        self.processes[name].stop()

    def restart(self, name: str, timeout: float = 60.0) -> ServerProcess:
        """Again on the same port with the same settings; returns once it is healthy."""
        entry, settings, server, tracing = self._launched[name]
        self.stop(name)
        process = self.launch(entry, name, settings, port=self.processes[name].port, server=server, tracing=tracing)
        return wait_healthy(process, timeout, entry.health_path)

    def stop_all(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
