"""One AppService per service of the catalogue: each one's environment follows its settings class and its
role reaches the catalogue's tables for it, nothing else."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from cnop_platform.appservice import AppService, AppServiceArgs, TableAccess
from cnop_platform.secrets import SecretKey, Secrets

from apps.common.services import SERVICES, upstreams
from apps.gateway.settings import upstream_env_name
from stacks.config import StackConfig


def deploy_apps(
    config: StackConfig,
    *,
    namespace: pulumi.Input[str],
    image: pulumi.Input[str],
    secrets: Secrets,
    table_arns: Mapping[str, pulumi.Output[str]],
    kms_key_arn: pulumi.Output[str],
    oidc: tuple[pulumi.Output[str], pulumi.Output[str]] | None,
    opts: pulumi.ResourceOptions,
) -> dict[str, AppService]:
    """Upstreams first, then the public entry in front of them; returns the AppServices by service name."""
    deployed: dict[str, AppService] = {}
    for entry in SERVICES:
        env = _shared_env(config, secrets, with_tables=bool(entry.tables))
        if entry.public:
            env |= {upstream_env_name(upstream.name): deployed[upstream.name].url for upstream in upstreams()}
        env |= config.apps.env.get(entry.name, {})
        secret_env: dict[str, SecretKey] = {"REDIS_URL": secrets.redis_url}
        if entry.signs_tokens:
            secret_env["AUTH_JWT_PRIVATE_KEY"] = secrets.jwt_private_key
        if entry.calls_gemini and secrets.gemini_api_key is not None:
            secret_env["GOOGLE_GEMINI_API_KEY"] = secrets.gemini_api_key
        access = None
        if oidc is not None and entry.tables:
            access = TableAccess(table_arns=[table_arns[t.logical_name] for t in entry.tables],
                                 kms_key_arn=kms_key_arn, oidc_provider_arn=oidc[0], oidc_issuer=oidc[1],
                                 region=config.region)
        apps = config.apps
        deployed[entry.name] = AppService(entry.name, AppServiceArgs(
            service=entry.name, namespace=namespace, image=image, port=entry.port, env=env,
            secret_env=secret_env, min_replicas=apps.min_replicas, max_replicas=apps.max_replicas,
            cpu_request=apps.cpu_request, memory_request=apps.memory_request, cpu_limit=apps.cpu_limit,
            memory_limit=apps.memory_limit, public=entry.public,
            service_type=apps.gateway_service_type if entry.public else "ClusterIP",
            node_port=apps.gateway_node_port if entry.public else None,
            table_access=access, tags=config.tags,
        ), opts=opts)
    return deployed


def _shared_env(config: StackConfig, secrets: Secrets, *, with_tables: bool) -> dict[str, pulumi.Input[str]]:
    """``apps.common.settings.PlatformSettings``: the environment, the public key, and the tables' location."""
    env: dict[str, pulumi.Input[str]] = {
        "ENVIRONMENT": config.environment,
        "LOG_LEVEL": config.apps.log_level,
        "JWT_PUBLIC_KEY": secrets.jwt_public_key_pem,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if with_tables:
        env |= {"AWS_REGION": config.region, "TABLE_PREFIX": config.table_prefix}
        if config.apps.aws_endpoint_in_cluster:
            env["AWS_ENDPOINT_URL"] = config.apps.aws_endpoint_in_cluster
    return env
