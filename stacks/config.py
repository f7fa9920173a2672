"""The stack's configuration: ``Pulumi.<stack>.yaml`` read once into frozen, validated pydantic models.

Environments differ only in their config file. Keys are camelCase as the file spells them; an unknown key, a
wrong type or an impossible combination stops the program with one line naming the file and the key, before
any resource is declared. A component's own tunables (node count, instance and node types, versions,
retention, replicas and resources) default to its ``Args``: unset here means "what the component chooses",
written only there. What is environment policy (the VPC range, who may reach the Kubernetes API, the apps'
namespace, the table prefix) defaults here. Secrets stay encrypted ``Output``s, outside the models.

The value types and the section base live in ``stacks/config_types.py``; the sections for what surrounds the
cluster (edge, access, capacity, backup, alerts, signing keys) in ``stacks/config_sections.py``; the rules that
tie sections together (prod's requirements, EKS's edge and API ranges, capacity for the apps' peak) here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from ipaddress import IPv4Network
from typing import Annotated, Any, Literal, get_args

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
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import ErrorDetails

from apps.common.services import SERVICES
from apps.common.settings import Environment
from apps.common.tables import default_table_prefix
from stacks.config_load_and_chaos import ChaosConfig, LoadtestConfig, check_load_and_chaos
from stacks.config_observability import (
    AlertmanagerConfig,
    LogsConfig,
    RemoteWriteConfig,
    StorageSize,
    TracingConfig,
    check_observability,
    named_secret_keys,
)
from stacks.config_sections import (
    AccessConfig,
    AlertsConfig,
    BackupConfig,
    CapacityConfig,
    EdgeConfig,
    SecretsConfig,
)
from stacks.config_types import (
    AppName,
    CacheNodeType,
    ChartVersion,
    ConfigRuleError,
    Count,
    CpuQuantity,
    EngineVersion,
    EnvName,
    Flag,
    InstanceType,
    KubernetesName,
    KubernetesVersion,
    MemoryQuantity,
    NodePort,
    PinnedImage,
    Region,
    Retention,
    ServiceType,
    SnapshotDays,
    TablePrefix,
    Url,
    Zone,
    component_default,
    cpu_cores,
)
from stacks.config_types import Section as _Section

GEMINI_API_KEY = "geminiApiKey"
"""Secret config: read by ``load`` with ``get_secret`` and kept an encrypted Output, never a model value."""
OTHER_NAMESPACES = {"region": "aws:region"}
"""Model fields read from outside ``cnop:``, by field alias."""


class ConfigError(pulumi.RunError, ValueError):
    """The stack configuration is invalid: one line naming the stack file and the key (a RunError, so Pulumi
    prints it without a traceback)."""


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
    api_allowed_cidrs: tuple[IPv4Network, ...] = ()
    """Who may reach the Kubernetes API endpoint (EKS): the operators' and CI's egress ranges, never 0.0.0.0/0."""
    kind_context: Annotated[str, Field(min_length=1)] = "kind-cnop"
    kind_cluster_name: KubernetesName = component_default(KindClusterArgs, "cluster_name")
    namespace: KubernetesName = "cnop"
    """The apps' namespace, whichever kind of cluster."""


class DatabaseConfig(_Section):
    point_in_time_recovery: Flag = component_default(DatabaseArgs, "point_in_time_recovery")
    deletion_protection: Flag = component_default(DatabaseArgs, "deletion_protection")
    protect: Flag = component_default(DatabaseArgs, "protect")
    """Pulumi's ``protect`` on the tables and their key."""
    retain_on_delete: Flag = component_default(DatabaseArgs, "retain_on_delete")
    """Removed from the program, the tables and their key stay in AWS."""


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
    gateway_service_type: ServiceType = "ClusterIP"
    """ClusterIP behind the edge's ALB on EKS; NodePort on Kind."""
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
    prometheus_storage: MemoryQuantity | None = None
    """Prometheus' volume (gp3 on EKS); unset keeps its data in the pod (Kind)."""
    prometheus_retention_size: StorageSize | None = None
    """Prometheus drops its oldest data past this size, before the volume fills (needs prometheusStorage)."""
    remote_write: RemoteWriteConfig | None = None

    @model_validator(mode="after")
    def _consistent(self) -> MonitoringConfig:
        if self.prometheus_retention_size is not None and self.prometheus_storage is None:
            raise ConfigRuleError("prometheusRetentionSize",
                                  "needs prometheusStorage, the volume it keeps from filling")
        if self.grafana_node_port is not None and self.grafana_service_type != "NodePort":
            raise ConfigRuleError("grafanaNodePort", "needs grafanaServiceType NodePort")
        return self


def _apps_peak_cores(apps: AppsConfig) -> float:
    """What the apps request at the HPAs' ceilings."""
    return len(SERVICES) * apps.max_replicas * cpu_cores(apps.cpu_request)



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
    edge: EdgeConfig | None = None
    access: AccessConfig = Field(default_factory=AccessConfig)
    capacity: CapacityConfig = Field(default_factory=CapacityConfig)
    backup: BackupConfig = Field(default_factory=BackupConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    secrets: SecretsConfig = Field(default_factory=SecretsConfig)
    loadtest: LoadtestConfig = Field(default_factory=LoadtestConfig)
    chaos: ChaosConfig = Field(default_factory=ChaosConfig)
    alertmanager: AlertmanagerConfig
    tracing: TracingConfig = Field(default_factory=TracingConfig)
    logs: LogsConfig = Field(default_factory=LogsConfig)
    _gemini_api_key: pulumi.Output[str] | None = PrivateAttr(None)
    _receiver_secrets: dict[str, pulumi.Output[str]] = PrivateAttr(default_factory=dict)

    @property
    def gemini_api_key(self) -> pulumi.Output[str] | None:
        """Secret config, an encrypted Output set by ``load``; without it insights runs its offline analyst."""
        return self._gemini_api_key

    @property
    def receiver_secrets(self) -> dict[str, pulumi.Output[str]]:
        """Secret config, encrypted Outputs set by ``load``: each alert receiver's key or URL, by config key."""
        return self._receiver_secrets

    @property
    def tags(self) -> dict[str, str]:
        return {"Project": "cnop", "Environment": self.environment, "ManagedBy": "pulumi"}

    @property
    def cluster_name(self) -> str:
        return f"cnop-{self.environment}"

    @model_validator(mode="after")
    def _cluster_fits(self) -> StackConfig:
        if self.cluster.kind == "eks":
            _check_eks_network(self.network, self.region)
            _check_eks_edge(self)
        else:
            _check_kind(self.cache, self.images)
            if self.edge is not None:
                raise ConfigRuleError("edge", "Kind serves plain HTTP on 127.0.0.1 (NodePort): no edge")
        if self.cache.multi_az and self.cache.kind != "elasticache":
            raise ConfigRuleError("cache.multiAz", "needs cache.kind elasticache")
        if self.environment == "prod":
            _check_prod(self)
        check_load_and_chaos(self)
        check_observability(self)
        return self


def _check_eks_edge(config: StackConfig) -> None:
    cidrs = config.cluster.api_allowed_cidrs
    if not cidrs:
        raise ConfigRuleError("cluster.apiAllowedCidrs", "EKS needs the ranges that may reach its API endpoint")
    if any(cidr.prefixlen == 0 for cidr in cidrs):
        raise ConfigRuleError("cluster.apiAllowedCidrs", "0.0.0.0/0 opens the Kubernetes API to the internet")
    if config.edge is None:
        raise ConfigRuleError("edge", "EKS serves the gateway over HTTPS only: set edge.domain and a certificate")
    if config.apps.gateway_service_type != "ClusterIP":
        raise ConfigRuleError("apps.gatewayServiceType", "EKS fronts the gateway with the edge's ALB: ClusterIP")
    needed = _apps_peak_cores(config.apps)
    if cpu_cores(config.capacity.max_cpu) < needed:
        raise ConfigRuleError("capacity.maxCpu", f"{config.capacity.max_cpu} is less than the {needed:g} cores the "
                                                 "apps request at maxReplicas")


def _check_prod(config: StackConfig) -> None:
    rules = [
        ("database.protect", config.database.protect, "production tables and their key must be protected"),
        ("backup.enabled", config.backup.enabled, "production tables need an AWS Backup plan"),
        ("access.operatorRoleArn", config.access.operator_role_arn is not None,
         "production needs an operators' role besides the cluster's creator"),
        ("access.ciRoleArn", config.access.ci_role_arn is not None, "production needs the CI role that deploys"),
    ]
    for key, met, message in rules:
        if not met:
            raise ConfigRuleError(key, message)


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


def _is_section(annotation: Any) -> bool:
    """A model, or an optional one (``EdgeConfig | None``)."""
    return any(isinstance(kind, type) and issubclass(kind, BaseModel)
               for kind in (annotation, *get_args(annotation)))


OBJECT_KEYS = frozenset(field.alias or name for name, field in StackConfig.model_fields.items()
                        if _is_section(field.annotation))


def load() -> StackConfig:
    """Reads the current stack's config (``cnop:*`` and ``aws:region``) once; a bad value is a ConfigError."""
    try:
        config = StackConfig.model_validate(_engine_values())
    except ValidationError as exc:
        raise ConfigError(f"Pulumi.{pulumi.get_stack()}.yaml: {describe(exc)}") from None
    cnop = pulumi.Config("cnop")
    config._gemini_api_key = cnop.get_secret(GEMINI_API_KEY)
    config._receiver_secrets = {key: cnop.require_secret(key) for key in config.alertmanager.secret_keys()}
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
    """The ``cnop:*`` values (objects parsed, the secrets left out) and ``aws:region``, keyed by field alias."""
    cnop = pulumi.Config("cnop")
    values: dict[str, Any] = {}
    for name in _engine_keys("cnop"):
        if name != GEMINI_API_KEY:
            raw = cnop.get(name)
            values[name] = _parsed(raw) if name in OBJECT_KEYS and raw is not None else raw
    for secret in named_secret_keys(values):  # read by ``load`` as encrypted Outputs, never model values
        values.pop(secret, None)
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
