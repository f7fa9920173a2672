"""What the local stack runs where: ports, backends and the run folder, all overridable from the environment.

The apps' default ports live in ``apps.common.services``; the backing services' here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from apps.common.services import DEFAULT_PORTS
from ops.servers import REPO

APPS = ("auth", "user", "inventory", "order", "insights", "gateway")
"""In start order: the gateway last, so its first JWKS fetch and health checks find everyone up."""


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STACK_", populate_by_name=True, extra="ignore", frozen=True)

    run_dir: Path = REPO / ".run"
    table_prefix: str = "cnop-localstack-"
    aws_backend: Literal["auto", "dynamodb-local", "moto", "localstack"] = Field("auto", validation_alias="AWS_BACKEND")
    """auto: DynamoDB Local when Java and the jar are there, else moto; localstack: use a running LocalStack."""
    redis_backend: Literal["auto", "redis-server", "fakeredis"] = "auto"
    with_prometheus: bool = True

    aws_port: int = 4566
    redis_port: int = 6379
    prometheus_port: int = 9090
    auth_port: int = DEFAULT_PORTS["auth"]
    user_port: int = DEFAULT_PORTS["user"]
    inventory_port: int = DEFAULT_PORTS["inventory"]
    order_port: int = DEFAULT_PORTS["order"]
    insights_port: int = DEFAULT_PORTS["insights"]
    gateway_port: int = DEFAULT_PORTS["gateway"]

    def app_port(self, app: str) -> int:
        port: int = getattr(self, f"{app}_port")
        return port

    def app_url(self, app: str) -> str:
        return f"http://127.0.0.1:{self.app_port(app)}"

    @property
    def gateway_url(self) -> str:
        return self.app_url("gateway")

    @property
    def logs_dir(self) -> Path:
        return self.run_dir / "logs"

    @property
    def state_file(self) -> Path:
        return self.run_dir / "stack.json"
