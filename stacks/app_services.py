"""One AppService per service of the catalogue: each one's environment follows its settings class, its role
reaches the catalogue's tables for it, and its NetworkPolicy opens exactly the paths its entry implies."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from cnop_platform.appservice import AppService, AppServiceArgs, EgressRule, Peer, TableAccess
from cnop_platform.pod_identity import PodIdentity
from cnop_platform.secrets import SecretKey, Secrets, checksum

from apps.common.services import SERVICES, Service, upstreams
from apps.gateway.settings import upstream_env_name
from stacks.config import StackConfig
from stacks.observability import traces_egress, tracing_env

PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
POD_IDENTITY_AGENT = "169.254.170.23/32"  # where the Pod Identity agent hands pods their credentials


@dataclass(frozen=True, kw_only=True)
class Paths:
    """The network paths of the cluster's kind, which the apps' NetworkPolicies open."""

    redis: EgressRule
    """How the apps reach Redis."""
    aws: Sequence[EgressRule]
    """How apps with tables reach DynamoDB (and, on EKS, their credentials)."""
    public_clients: Sequence[Peer] | None
    """Who reaches the gateway: the load balancer's subnets; None means anyone (Kind's NodePort)."""
    trusted_proxies: Sequence[str] = ()
    """What the gateway believes ``X-Forwarded-For`` from: exactly the load balancer's addresses."""


def internet_https() -> EgressRule:
    """HTTPS to public addresses only (AWS APIs through the VPC endpoint or NAT, Gemini), nothing inside."""
    return {"to": [{"ip_block": {"cidr": "0.0.0.0/0", "except_": list(PRIVATE_RANGES)}}],
            "ports": [{"protocol": "TCP", "port": 443}]}


def eks_paths(*, private_cidrs: Sequence[str], public_cidrs: Sequence[str]) -> Paths:
    return Paths(
        redis={"to": [{"ip_block": {"cidr": cidr}} for cidr in private_cidrs],
               "ports": [{"protocol": "TCP", "port": 6379}]},
        aws=[internet_https(), {"to": [{"ip_block": {"cidr": POD_IDENTITY_AGENT}}],
                                "ports": [{"protocol": "TCP", "port": 80}]}],
        public_clients=[{"ip_block": {"cidr": cidr}} for cidr in public_cidrs],
        trusted_proxies=list(public_cidrs),
    )


def kind_paths(*, redis_labels: Mapping[str, str], aws_endpoint: str | None) -> Paths:
    aws: list[EgressRule] = [internet_https()]
    if aws_endpoint:  # LocalStack, outside the cluster on Kind's Docker network
        port = int(aws_endpoint.rsplit(":", 1)[1].split("/")[0])
        aws = [{"ports": [{"protocol": "TCP", "port": port}]}]
    return Paths(redis={"to": [{"pod_selector": {"match_labels": dict(redis_labels)}}],
                        "ports": [{"protocol": "TCP", "port": 6379}]}, aws=aws, public_clients=None)


def deploy_apps(
    config: StackConfig,
    *,
    namespace: pulumi.Input[str],
    image: pulumi.Input[str],
    secrets: Secrets,
    paths: Paths,
    table_arns: Mapping[str, pulumi.Output[str]],
    kms_key_arn: pulumi.Output[str],
    identity: PodIdentity | None,
    opts: pulumi.ResourceOptions,
) -> dict[str, AppService]:
    """Upstreams first, then the public entry in front of them; returns the AppServices by service name."""
    deployed: dict[str, AppService] = {}
    eks = config.cluster.kind == "eks"
    for entry in SERVICES:
        env = _shared_env(config, secrets, with_tables=bool(entry.tables))
        if entry.public:
            env |= {upstream_env_name(upstream.name): deployed[upstream.name].url for upstream in upstreams()}
            env["GATEWAY_TRUSTED_PROXIES"] = json.dumps(list(paths.trusted_proxies))
        env |= config.apps.env.get(entry.name, {})
        secret_env = _secret_env(entry, secrets)
        access = None
        if identity is not None and entry.tables:
            access = TableAccess(table_arns=[table_arns[t.logical_name] for t in entry.tables],
                                 kms_key_arn=kms_key_arn, identity=identity, region=config.region)
        apps = config.apps
        deployed[entry.name] = AppService(entry.name, AppServiceArgs(
            service=entry.name, namespace=namespace, image=image, port=entry.port, probe_path=entry.probe_path,
            env=env, secret_env=secret_env,
            secrets_checksum=checksum([secret_env[name] for name in sorted(secret_env)]),
            min_replicas=apps.min_replicas, max_replicas=apps.max_replicas,
            cpu_request=apps.cpu_request, memory_request=apps.memory_request, cpu_limit=apps.cpu_limit,
            memory_limit=apps.memory_limit, public=entry.public, zones_strictly=eks,
            service_type=apps.gateway_service_type if entry.public else "ClusterIP",
            node_port=apps.gateway_node_port if entry.public else None,
            clients=paths.public_clients if entry.public else [
                {"pod_selector": {"match_labels": {"app.kubernetes.io/name": "gateway"}}}],
            egress=_egress(entry, paths), table_access=access, tags=config.tags,
        ), opts=opts)
    return deployed


def _secret_env(entry: Service, secrets: Secrets) -> dict[str, SecretKey]:
    secret_env: dict[str, SecretKey] = {"REDIS_URL": secrets.redis_url}
    if entry.signs_tokens:
        secret_env["AUTH_JWT_PRIVATE_KEY"] = secrets.jwt_private_key
        if secrets.jwt_next_private_key is not None:
            secret_env["AUTH_JWT_NEXT_PRIVATE_KEY"] = secrets.jwt_next_private_key
    if entry.calls_gemini and secrets.gemini_api_key is not None:
        secret_env["GOOGLE_GEMINI_API_KEY"] = secrets.gemini_api_key
    return secret_env


def _egress(entry: Service, paths: Paths) -> list[EgressRule]:
    """Redis and Tempo's OTLP receiver for everyone; the tables' AWS paths for apps with tables; HTTPS out for
    the Gemini caller; the upstreams' ports for the public entry."""
    rules: list[EgressRule] = [paths.redis, traces_egress()]
    if entry.tables:
        rules += paths.aws
    if entry.calls_gemini and internet_https() not in rules:
        rules.append(internet_https())
    if entry.public:
        rules += [{"to": [{"pod_selector": {"match_labels": {"app.kubernetes.io/name": upstream.name}}}],
                   "ports": [{"protocol": "TCP", "port": upstream.port}]} for upstream in upstreams()]
    return rules


def _shared_env(config: StackConfig, secrets: Secrets, *, with_tables: bool) -> dict[str, pulumi.Input[str]]:
    """``apps.common.settings.PlatformSettings``: the environment, the public keys, and the tables' location;
    ``apps.common.tracing.TracingSettings``: where spans go, and how many."""
    env: dict[str, pulumi.Input[str]] = {
        "ENVIRONMENT": config.environment,
        "LOG_LEVEL": config.apps.log_level,
        "JWT_PUBLIC_KEY": secrets.jwt_public_key_pem,
        "PYTHONDONTWRITEBYTECODE": "1",
        **tracing_env(config),
    }
    if with_tables:
        env |= {"AWS_REGION": config.region, "TABLE_PREFIX": config.table_prefix}
        if config.apps.aws_endpoint_in_cluster:
            env["AWS_ENDPOINT_URL"] = config.apps.aws_endpoint_in_cluster
    return env
