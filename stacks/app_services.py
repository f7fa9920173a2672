"""The six apps as AppServices: each one's environment follows ``apps.*.settings`` and nothing else."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from cnop_platform.appservice import AppService, AppServiceArgs, TableAccess
from cnop_platform.secrets import SecretKey, Secrets

from apps.common.services import DEFAULT_PORTS
from stacks.config import StackConfig
from stacks.services import SERVICES


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
    """Backends first, then the gateway in front of them; returns the AppServices by app name."""
    deployed: dict[str, AppService] = {}
    backends = [name for name, needs in SERVICES.items() if not needs.public]
    for service in [*backends, *(name for name in SERVICES if name not in backends)]:
        needs = SERVICES[service]
        env = _shared_env(config, secrets, with_tables=bool(needs.tables))
        if needs.public:
            env |= {f"GATEWAY_{name.upper()}_URL": deployed[name].url for name in backends}
        env |= config.apps.env.get(service, {})
        secret_env: dict[str, SecretKey] = {"REDIS_URL": secrets.redis_url}
        if needs.signs_tokens:
            secret_env["AUTH_JWT_PRIVATE_KEY"] = secrets.jwt_private_key
        if needs.calls_gemini and secrets.gemini_api_key is not None:
            secret_env["GOOGLE_GEMINI_API_KEY"] = secrets.gemini_api_key
        access = None
        if oidc is not None and needs.tables:
            access = TableAccess(table_arns=[table_arns[t.logical_name] for t in needs.tables],
                                 kms_key_arn=kms_key_arn, oidc_provider_arn=oidc[0], oidc_issuer=oidc[1],
                                 region=config.region)
        apps = config.apps
        deployed[service] = AppService(service, AppServiceArgs(
            service=service, namespace=namespace, image=image, port=DEFAULT_PORTS[service], env=env,
            secret_env=secret_env, min_replicas=apps.min_replicas, max_replicas=apps.max_replicas,
            cpu_request=apps.cpu_request, memory_request=apps.memory_request, cpu_limit=apps.cpu_limit,
            memory_limit=apps.memory_limit, public=needs.public,
            service_type=apps.gateway_service_type if needs.public else "ClusterIP",
            node_port=apps.gateway_node_port if needs.public else None,
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
