"""The stack's configuration, read once from ``Pulumi.<stack>.yaml`` into typed, validated objects.

Environments differ only in their config file. Unknown keys are errors, so a typo never silently falls back
to a default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar, get_args

import pulumi
from cnop_platform.images import check_pinned

from apps.common.services import DEFAULT_PORTS
from apps.common.settings import Environment

ClusterKind = Literal["eks", "kind"]
CacheKind = Literal["elasticache", "in-cluster"]
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


class ConfigError(ValueError):
    """The stack configuration is invalid; the message names the key."""


@dataclass(frozen=True, kw_only=True)
class NetworkConfig:
    cidr_block: str = "10.40.0.0/16"
    availability_zones: tuple[str, ...] = ()
    nat_gateway_per_zone: bool = False


@dataclass(frozen=True, kw_only=True)
class ClusterConfig:
    kind: ClusterKind
    node_count: int = 2
    instance_type: str = "t3.large"
    api_allowed_cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    kind_context: str = "kind-cnop"
    kind_cluster_name: str = "cnop"
    namespace: str = "cnop"


@dataclass(frozen=True, kw_only=True)
class DatabaseConfig:
    point_in_time_recovery: bool = True
    deletion_protection: bool = True


@dataclass(frozen=True, kw_only=True)
class CacheConfig:
    kind: CacheKind
    node_type: str = "cache.t4g.small"
    engine_version: str = "7.1"
    multi_az: bool = False
    snapshot_retention_days: int = 0
    image: str = "redis:7.4.2-alpine"


@dataclass(frozen=True, kw_only=True)
class ImagesConfig:
    tag: str
    build: bool = False
    digest: str | None = None
    repository: str | None = None
    """A local image name (Kind); ECR stacks use their Registry."""


@dataclass(frozen=True, kw_only=True)
class AppsConfig:
    min_replicas: int = 1
    max_replicas: int = 3
    cpu_request: str = "100m"
    memory_request: str = "192Mi"
    cpu_limit: str = "1"
    memory_limit: str = "512Mi"
    log_level: str = "INFO"
    gateway_service_type: str = "LoadBalancer"
    gateway_node_port: int | None = None
    gateway_url: str | None = None
    """The gateway's address as users reach it, where the cluster cannot report it (Kind port mapping)."""
    aws_endpoint_in_cluster: str | None = None
    """DynamoDB endpoint as the pods see it (LocalStack); unset means AWS itself."""
    env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Extra settings per app (``GATEWAY_CORS_ORIGINS``...), by app name."""

    def __post_init__(self) -> None:
        for service, variables in self.env.items():
            if service not in DEFAULT_PORTS:
                raise ConfigError(f"apps.env: unknown app {service!r}")
            for name in variables:
                if not ENV_NAME.match(name):
                    raise ConfigError(f"apps.env.{service}: {name!r} is not an environment variable name")


@dataclass(frozen=True, kw_only=True)
class MonitoringConfig:
    chart_version: str
    grafana_service_type: str = "ClusterIP"
    grafana_node_port: int | None = None
    grafana_url: str | None = None
    """Grafana's address as users reach it; unset means the in-cluster URL (reach it by port-forward)."""
    prometheus_retention: str = "15d"


@dataclass(frozen=True, kw_only=True)
class StackConfig:
    environment: Environment
    region: str
    kubernetes_version: str
    table_prefix: str
    network: NetworkConfig
    cluster: ClusterConfig
    database: DatabaseConfig
    cache: CacheConfig
    images: ImagesConfig
    apps: AppsConfig
    monitoring: MonitoringConfig
    gemini_api_key: pulumi.Output[str] | None

    @property
    def tags(self) -> dict[str, str]:
        return {"Project": "cnop", "Environment": self.environment, "ManagedBy": "pulumi"}

    def check(self) -> StackConfig:
        if self.cluster.kind == "eks" and len(self.network.availability_zones) < 2:
            raise ConfigError("network.availabilityZones: EKS needs subnets in at least two zones")
        if self.cache.multi_az and self.cache.kind != "elasticache":
            raise ConfigError("cache.multiAz needs cache.kind elasticache")
        if self.cluster.kind == "kind" and self.cache.kind != "in-cluster":
            raise ConfigError("a Kind cluster has no VPC for ElastiCache: use cache.kind in-cluster")
        if self.cluster.kind == "kind" and self.images.build:
            raise ConfigError("images.build pushes to ECR; Kind loads a local image (make kind-load)")
        if self.cluster.kind == "kind" and not self.images.repository:
            raise ConfigError("images.repository: Kind needs the local image name")
        check_pinned(self.images.tag, self.images.digest)
        if self.apps.min_replicas > self.apps.max_replicas:
            raise ConfigError("apps.minReplicas exceeds apps.maxReplicas")
        return self


T = TypeVar("T")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def parse(cls: type[T], key: str, raw: Any) -> T:
    """Builds dataclass ``cls`` from the camelCase mapping of config key ``key``, refusing unknown keys."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{key}: expected an object")
    known = {_camel(f.name): f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigError(f"{key}: unknown keys {unknown}; known: {sorted(known)}")
    values = {known[k]: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"{key}: {exc}") from exc


def _choice(key: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ConfigError(f"{key}: {value!r} is not one of {list(allowed)}")
    return value


def load() -> StackConfig:
    """Reads the current stack's config (``cnop:*`` and ``aws:region``) once."""
    config = pulumi.Config("cnop")
    environment = _choice("environment", config.require("environment"), get_args(Environment))
    cluster = parse(ClusterConfig, "cluster", config.require_object("cluster"))
    cache = parse(CacheConfig, "cache", config.require_object("cache"))
    _choice("cluster.kind", cluster.kind, get_args(ClusterKind))
    _choice("cache.kind", cache.kind, get_args(CacheKind))
    return StackConfig(
        environment=environment,  # type: ignore[arg-type]  # checked by _choice
        region=pulumi.Config("aws").require("region"),
        kubernetes_version=config.require("kubernetesVersion"),
        table_prefix=config.get("tablePrefix") or f"cnop-{environment}-",
        network=parse(NetworkConfig, "network", config.get_object("network")),
        cluster=cluster,
        database=parse(DatabaseConfig, "database", config.get_object("database")),
        cache=cache,
        images=parse(ImagesConfig, "images", config.require_object("images")),
        apps=parse(AppsConfig, "apps", config.get_object("apps")),
        monitoring=parse(MonitoringConfig, "monitoring", config.require_object("monitoring")),
        gemini_api_key=config.get_secret("geminiApiKey"),
    ).check()
