"""What the local stack runs where: ports, backends, the run folder and the monitoring's receivers and timings,
all overridable from the environment.

The apps' default ports live in the catalogue (``apps.common.services``); the backing services' here.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from apps.common.services import SERVICES, names, public_entry
from apps.common.tables import default_table_prefix
from dashboards.config import Notifications
from dashboards.rules.render import all_alerts
from ops.servers import REPO, free_port

PORTS = ("aws", "redis", "prometheus", "alertmanager", "redis_exporter", "blackbox", "alert_receiver")
"""Every backing component's port setting (``<name>_port``), beside the apps'."""


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STACK_", populate_by_name=True, extra="ignore", frozen=True)

    run_dir: Path = REPO / ".run"
    table_prefix: str = default_table_prefix("localstack")
    aws_backend: Literal["auto", "dynamodb-local", "moto", "localstack"] = Field("auto", validation_alias="AWS_BACKEND")
    """auto: DynamoDB Local when Java and the jar are there, else moto; localstack: use a running LocalStack."""
    redis_backend: Literal["auto", "redis-server", "fakeredis"] = "auto"
    with_prometheus: bool = True
    """Prometheus and what it works with: Alertmanager, the Redis and blackbox exporters, the alert receiver."""
    with_probes: bool = True
    """Synthetic probes of the gateway's public routes (they are requests the gateway counts like any other)."""

    aws_port: int = 4566
    redis_port: int = 6379
    prometheus_port: int = 9090
    alertmanager_port: int = 9093
    redis_exporter_port: int = 9121
    blackbox_port: int = 9115
    alert_receiver_port: int = 9095
    app_ports: dict[str, int] = Field(default_factory=dict)
    """Ports by service name over the catalogue's (``STACK_APP_PORTS='{"gateway": 9080}'``)."""

    alert_page_url: SecretStr | None = None
    """Webhook Alertmanager pages (severity critical) through; a secret, from the environment only
    (``STACK_ALERT_PAGE_URL``). Unset: the stack's own alert receiver, which logs what it gets."""
    alert_ticket_url: SecretStr | None = None
    """Webhook for every other alert (``STACK_ALERT_TICKET_URL``); unset: the stack's own alert receiver."""
    scrape_interval: str = "5s"
    evaluation_interval: str = "5s"
    alert_for: dict[str, str] = Field(default_factory=dict)
    """Alert name -> a shorter ``for`` (``STACK_ALERT_FOR='{"PlatformTargetDown": "5s"}'``), for a demo or a
    test: the stack then loads its own rendering of the rules, never an edited copy of the committed ones."""
    notifications: dict[str, str] = Field(default_factory=dict)
    """Over Alertmanager's grouping times (``{"group_wait": "1s", "group_interval": "2s"}``), likewise."""

    @field_validator("app_ports")
    @classmethod
    def _over_the_catalogue(cls, given: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(given) - set(names()))
        if unknown:
            raise ValueError(f"unknown services {unknown}; the catalogue's are {list(names())}")
        return {entry.name: given.get(entry.name, entry.port) for entry in SERVICES}

    @field_validator("alert_for")
    @classmethod
    def _known_alerts(cls, given: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(given) - {alert.alert for alert in all_alerts()})
        if unknown:
            raise ValueError(f"no alerts named {unknown} in dashboards/rules")
        return given

    @field_validator("notifications")
    @classmethod
    def _grouping_times(cls, given: dict[str, str]) -> dict[str, str]:
        times = {f.name for f in fields(Notifications) if f.name != "group_by"}
        unknown = sorted(set(given) - times)
        if unknown:
            raise ValueError(f"unknown notification times {unknown}; the known ones are {sorted(times)}")
        return given

    @classmethod
    def on_free_ports(cls, run_dir: Path, **overrides: Any) -> StackSettings:
        """A stack beside any other on this machine: every component on a port free right now."""
        ports = {f"{name}_port": free_port() for name in PORTS}
        return cls(run_dir=run_dir, app_ports={name: free_port() for name in names()}, **{**ports, **overrides})

    def app_port(self, app: str) -> int:
        return self.app_ports[app]

    def app_url(self, app: str) -> str:
        return f"http://127.0.0.1:{self.app_port(app)}"

    @property
    def gateway_url(self) -> str:
        return self.app_url(public_entry().name)

    @property
    def alert_receiver_url(self) -> str:
        return f"http://127.0.0.1:{self.alert_receiver_port}"

    @property
    def logs_dir(self) -> Path:
        return self.run_dir / "logs"

    @property
    def state_file(self) -> Path:
        return self.run_dir / "stack.json"

    @property
    def redis_data_dir(self) -> Path:
        """redis-server's append-only file: a restart keeps the data; ``up`` starts without it."""
        return self.run_dir / "redis-data"

    @property
    def signing_key_file(self) -> Path:
        """The stack's JWT signing key (generated by ``up``, removed by ``down``): restarted apps reuse it."""
        return self.run_dir / "secrets" / "jwt-signing-key.pem"
