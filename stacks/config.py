"""The stack's configuration: ``Pulumi.<stack>.yaml`` read once into frozen, validated pydantic models.

Environments differ only in their config file. Keys are camelCase as the file spells them; an unknown key, a
wrong type or an impossible combination stops the program with one line naming the file and the key, before
any resource is declared. A component's own tunables (node count, instance and node types, versions,
retention, replicas and resources) default to its ``Args``: unset here means "what the component chooses",
written only there. What is environment policy (the VPC range, who may reach the Kubernetes API, the apps'
namespace, the table prefix) defaults here. Secrets stay encrypted ``Output``s, outside the models.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from ipaddress import IPv4Network
from typing import Annotated, Any, Literal

import pulumi
from cnop_platform.appservice import AppServiceArgs
from cnop_platform.cache import CacheArgs
from cnop_platform.cluster import ClusterArgs
from cnop_platform.database import DatabaseArgs
from cnop_platform.images import ImagesArgs, check_pinned
from cnop_platform.kind_cluster import KindClusterArgs
from cnop_platform.local_cache import LocalCacheArgs
from cnop_platform.monitoring import MonitoringArgs
from cnop_platform.network import NetworkArgs, subnet_blocks
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from apps.common.services import names
from apps.common.settings import Environment
from apps.common.tables import default_table_prefix

GEMINI_API_KEY = "geminiApiKey"
"""Secret config: read by ``load`` with ``get_secret`` and kept an encrypted Output, never a model value."""
OTHER_NAMESPACES = {"region": "aws:region"}
"""Model fields read from outside ``cnop:``, by field alias."""


class ConfigError(pulumi.RunError, ValueError):
    """The stack configuration is invalid: one line naming the stack file and the key (a RunError, so Pulumi
    prints it without a traceback)."""


class ConfigRuleError(ValueError):
    """A rule over several values is broken; ``key`` (camelCase, relative to the model) is the one to change."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def component_default(args: type[Any], name: str) -> Any:
    """The default of field ``name`` of a component's Args, the only place it is written."""
    (found,) = (f for f in dataclasses.fields(args) if f.name == name)
    if found.default is dataclasses.MISSING:
        raise TypeError(f"{args.__name__}.{name} has no default for the stack config to fall back on")
    return found.default


def _matching(pattern: str, expected: str) -> AfterValidator:
    """A string check whose error says what was expected rather than quoting the regular expression."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value!r} is not {expected}")
        return value

    return AfterValidator(check)


def _known_app(name: str) -> str:
    if name not in names():
        raise ValueError(f"{name!r} is not an app; the apps are {', '.join(names())}")
    return name


def _pinned_image(reference: str) -> str:
    """``name:tag`` with an exact tag, as the apps image must be (``check_pinned``)."""
    name, _, tag = reference.rpartition(":")
    if not name or "/" in tag:
        raise ValueError(f"{reference!r} names no tag")
    check_pinned(tag, None)
    return reference


Count = Annotated[int, Field(strict=True, gt=0)]
Flag = Annotated[bool, Field(strict=True)]
NodePort = Annotated[int, Field(strict=True, ge=30000, le=32767)]
SnapshotDays = Annotated[int, Field(strict=True, ge=0, le=35)]
ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer"]
Region = Annotated[str, _matching(r"[a-z]{2}(-[a-z]+)+-\d+", "an AWS region such as us-east-1")]
Zone = Annotated[str, _matching(r"[a-z]{2}(-[a-z]+)+-\d+[a-z]", "an availability zone such as us-east-1a")]
KubernetesVersion = Annotated[str, _matching(r"1\.\d+", "a Kubernetes minor version such as 1.33")]
ChartVersion = Annotated[str, _matching(r"\d+\.\d+\.\d+", "an exact chart version such as 78.2.1")]
EngineVersion = Annotated[str, _matching(r"\d+\.(\d+|x)", "a Redis engine version such as 7.1")]
InstanceType = Annotated[str, _matching(r"[a-z][a-z0-9-]*\.[a-z0-9]+", "an EC2 instance type such as t3.large")]
CacheNodeType = Annotated[str, _matching(r"cache\.[a-z0-9-]+\.[a-z0-9]+", "a node type such as cache.t4g.small")]
KubernetesName = Annotated[str, _matching(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", "a Kubernetes name such as cnop")]
CpuQuantity = Annotated[str, _matching(r"\d+m|\d+(\.\d+)?", "a Kubernetes CPU quantity such as 250m or 2")]
MemoryQuantity = Annotated[str, _matching(r"\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?",
                                          "a Kubernetes memory quantity such as 512Mi or 1Gi")]
Retention = Annotated[str, _matching(r"\d+(ms|s|m|h|d|w|y)", "a Prometheus duration such as 15d")]
Url = Annotated[str, _matching(r"https?://[^\s/]+(/\S*)?", "an http(s) URL")]
TablePrefix = Annotated[str, _matching(r"[A-Za-z0-9_.-]+", "a DynamoDB table name prefix such as cnop-dev-")]
EnvName = Annotated[str, _matching(r"[A-Z][A-Z0-9_]*", "an environment variable name")]
AppName = Annotated[str, AfterValidator(_known_app)]
PinnedImage = Annotated[str, AfterValidator(_pinned_image)]


class _Section(BaseModel):
    # validate_default: the components' defaults pass the same checks as the values a stack file gives.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True,
                              validate_default=True)


class NetworkConfig(_Section):
    cidr_block: IPv4Network = IPv4Network("10.40.0.0/16")
    """The VPC's range: the environments' address plan, so that stacks never overlap."""
    availability_zones: tuple[Zone, ...] = ()
    nat_gateway_per_zone: Flag = component_default(NetworkArgs, "nat_gateway_per_zone")

    @field_validator("availability_zones")
    @classmethod
    def _distinct(cls, zones: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(zones)) != len(zones):
            raise ValueError(f"zones repeat in {list(zones)}")
        return zones


class ClusterConfig(_Section):
    kind: Literal["eks", "kind"]
    node_count: Count = component_default(ClusterArgs, "node_count")
    instance_type: InstanceType = component_default(ClusterArgs, "instance_type")
    api_allowed_cidrs: tuple[IPv4Network, ...] = Field((IPv4Network("0.0.0.0/0"),), min_length=1)
    """Who may reach the Kubernetes API: anyone unless the stack narrows it."""
    kind_context: Annotated[str, Field(min_length=1)] = "kind-cnop"
    kind_cluster_name: KubernetesName = component_default(KindClusterArgs, "cluster_name")
    namespace: KubernetesName = "cnop"
    """The apps' namespace, whichever kind of cluster."""


class DatabaseConfig(_Section):
    point_in_time_recovery: Flag = component_default(DatabaseArgs, "point_in_time_recovery")
    deletion_protection: Flag = component_default(DatabaseArgs, "deletion_protection")


class CacheConfig(_Section):
    kind: Literal["elasticache", "in-cluster"]
    node_type: CacheNodeType = component_default(CacheArgs, "node_type")
    engine_version: EngineVersion = component_default(CacheArgs, "engine_version")
    multi_az: Flag = component_default(CacheArgs, "multi_az")
    snapshot_retention_days: SnapshotDays = component_default(CacheArgs, "snapshot_retention_days")
    image: PinnedImage = component_default(LocalCacheArgs, "image")
    """The in-cluster Redis image."""


class ImagesConfig(_Section):
    tag: str
    build: Flag = component_default(ImagesArgs, "build")
    digest: str | None = None
    repository: str | None = None
    """A local image name (Kind); ECR stacks use their Registry."""

    @field_validator("tag")
    @classmethod
    def _tag_is_pinned(cls, tag: str) -> str:
        check_pinned(tag, None)
        return tag

    @field_validator("digest")
    @classmethod
    def _digest_is_pinned(cls, digest: str | None, info: ValidationInfo) -> str | None:
        if "tag" in info.data:  # else the tag's own error says enough
            check_pinned(info.data["tag"], digest)
        return digest


class AppsConfig(_Section):
    min_replicas: Count = component_default(AppServiceArgs, "min_replicas")
    max_replicas: Count = component_default(AppServiceArgs, "max_replicas")
    cpu_request: CpuQuantity = component_default(AppServiceArgs, "cpu_request")
    memory_request: MemoryQuantity = component_default(AppServiceArgs, "memory_request")
    cpu_limit: CpuQuantity = component_default(AppServiceArgs, "cpu_limit")
    memory_limit: MemoryQuantity = component_default(AppServiceArgs, "memory_limit")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    gateway_service_type: ServiceType = "LoadBalancer"
    gateway_node_port: NodePort | None = None
    gateway_url: Url | None = None
    """The gateway's address as users reach it, where the cluster cannot report it (Kind port mapping)."""
    aws_endpoint_in_cluster: Url | None = None
    """DynamoDB endpoint as the pods see it (LocalStack); unset means AWS itself."""
    env: Mapping[AppName, Mapping[EnvName, str]] = Field(default_factory=dict)
    """Extra settings per app (``GATEWAY_CORS_ORIGINS``...), by app name."""

    @model_validator(mode="after")
    def _consistent(self) -> AppsConfig:
        if self.min_replicas > self.max_replicas:
            raise ConfigRuleError("minReplicas", f"{self.min_replicas} exceeds maxReplicas {self.max_replicas}")
        if self.gateway_node_port is not None and self.gateway_service_type != "NodePort":
            raise ConfigRuleError("gatewayNodePort", "needs gatewayServiceType NodePort")
        return self


class MonitoringConfig(_Section):
    chart_version: ChartVersion
    grafana_service_type: ServiceType = component_default(MonitoringArgs, "grafana_service_type")
    grafana_node_port: NodePort | None = None
    grafana_url: Url | None = None
    """Grafana's address as users reach it; unset means the in-cluster URL (reach it by port-forward)."""
    prometheus_retention: Retention = component_default(MonitoringArgs, "prometheus_retention")

    @model_validator(mode="after")
    def _consistent(self) -> MonitoringConfig:
        if self.grafana_node_port is not None and self.grafana_service_type != "NodePort":
            raise ConfigRuleError("grafanaNodePort", "needs grafanaServiceType NodePort")
        return self


class StackConfig(_Section):
    environment: Environment
    region: Region
    kubernetes_version: KubernetesVersion
    table_prefix: TablePrefix = Field(default_factory=lambda data: default_table_prefix(data["environment"]))
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    cluster: ClusterConfig
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    cache: CacheConfig
    images: ImagesConfig
    apps: AppsConfig = Field(default_factory=AppsConfig)
    monitoring: MonitoringConfig
    _gemini_api_key: pulumi.Output[str] | None = PrivateAttr(None)

    @property
    def gemini_api_key(self) -> pulumi.Output[str] | None:
        """Secret config, an encrypted Output set by ``load``; without it insights runs its offline analyst."""
        return self._gemini_api_key

    @property
    def tags(self) -> dict[str, str]:
        return {"Project": "cnop", "Environment": self.environment, "ManagedBy": "pulumi"}

    @model_validator(mode="after")
    def _cluster_fits(self) -> StackConfig:
        if self.cluster.kind == "eks":
            _check_eks_network(self.network, self.region)
        else:
            _check_kind(self.cache, self.images)
        if self.cache.multi_az and self.cache.kind != "elasticache":
            raise ConfigRuleError("cache.multiAz", "needs cache.kind elasticache")
        return self


def _check_eks_network(network: NetworkConfig, region: str) -> None:
    zones = network.availability_zones
    if len(zones) < 2:
        raise ConfigRuleError("network.availabilityZones", "EKS needs subnets in at least two zones")
    elsewhere = [zone for zone in zones if not zone.startswith(region)]
    if elsewhere:
        raise ConfigRuleError("network.availabilityZones", f"{elsewhere} are not in aws:region {region}")
    try:
        subnet_blocks(str(network.cidr_block), len(zones))
    except ValueError as exc:
        raise ConfigRuleError("network.cidrBlock", str(exc)) from exc


def _check_kind(cache: CacheConfig, images: ImagesConfig) -> None:
    if cache.kind != "in-cluster":
        raise ConfigRuleError("cache.kind", "a Kind cluster has no VPC for ElastiCache: use in-cluster")
    if images.build:
        raise ConfigRuleError("images.build", "builds push to ECR; Kind loads a local image (make kind-load)")
    if not images.repository:
        raise ConfigRuleError("images.repository", "Kind needs the local image name")


OBJECT_KEYS = frozenset(field.alias or name for name, field in StackConfig.model_fields.items()
                        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel))


def load() -> StackConfig:
    """Reads the current stack's config (``cnop:*`` and ``aws:region``) once; a bad value is a ConfigError."""
    try:
        config = StackConfig.model_validate(_engine_values())
    except ValidationError as exc:
        raise ConfigError(f"Pulumi.{pulumi.get_stack()}.yaml: {describe(exc)}") from None
    config._gemini_api_key = pulumi.Config("cnop").get_secret(GEMINI_API_KEY)
    return config


def describe(error: ValidationError) -> str:
    """Every problem on one line, each led by its key as the stack file spells it (``cnop:cluster.nodeCount``)."""
    # A default computed from a field that is itself wrong adds nothing to that field's own error.
    return "; ".join(_problem(detail) for detail in error.errors() if detail["type"] != "default_factory_not_called")


def _problem(detail: ErrorDetails) -> str:
    path: list[str | int] = [part for part in detail["loc"] if part != "[key]"]  # a bad key is named by itself
    cause = detail.get("ctx", {}).get("error")
    if isinstance(cause, ConfigRuleError):
        path += cause.key.split(".")
    message = str(cause) if isinstance(cause, ValueError) else detail["msg"]
    return f"{_stack_key(path)}: {message}"


def _stack_key(path: list[str | int]) -> str:
    if not path:
        return "cnop"
    head, *rest = path
    key = OTHER_NAMESPACES.get(str(head), f"cnop:{head}")
    return key + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest)


def _engine_values() -> dict[str, Any]:
    """The ``cnop:*`` values (objects parsed, the secret left out) and ``aws:region``, keyed by field alias."""
    cnop = pulumi.Config("cnop")
    values: dict[str, Any] = {}
    for name in _engine_keys("cnop"):
        if name != GEMINI_API_KEY:
            raw = cnop.get(name)
            values[name] = _parsed(raw) if name in OBJECT_KEYS and raw is not None else raw
    region = pulumi.Config("aws").get("region")
    if region is not None:
        values["region"] = region
    return values


def _engine_keys(namespace: str) -> list[str]:
    """The keys of ``namespace`` the engine passed. The SDK offers no listing: these are the two maps that
    ``Config.get`` reads, the runtime's (set by the language host or the test engine) and ``PULUMI_CONFIG``."""
    keys = {*pulumi.runtime.config.CONFIG.get(), *pulumi.runtime.get_config_env()}
    prefix = f"{namespace}:"
    return sorted(key.removeprefix(prefix) for key in keys if key.startswith(prefix))


def _parsed(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw  # the model then says it expected an object
