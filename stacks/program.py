"""The platform, composed from components according to the stack config alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
from cnop_platform.cache import Cache, CacheArgs
from cnop_platform.cluster import Cluster, ClusterArgs
from cnop_platform.database import Database, DatabaseArgs
from cnop_platform.images import Images, ImagesArgs
from cnop_platform.kind_cluster import KindCluster, KindClusterArgs
from cnop_platform.local_cache import LocalCache, LocalCacheArgs
from cnop_platform.monitoring import Monitoring, MonitoringArgs
from cnop_platform.network import Network, NetworkArgs
from cnop_platform.registry import Registry, RegistryArgs
from cnop_platform.secrets import Secrets, SecretsArgs

from stacks.app_services import deploy_apps
from stacks.config import StackConfig

REPO = Path(__file__).resolve().parent.parent


def build(config: StackConfig) -> dict[str, Any]:
    """Creates every resource of the stack; returns the stack outputs by name."""
    database = Database("database", DatabaseArgs(
        table_prefix=config.table_prefix, point_in_time_recovery=config.database.point_in_time_recovery,
        deletion_protection=config.database.deletion_protection, tags=config.tags))

    cluster: Cluster | KindCluster
    redis_url: pulumi.Output[str]
    if config.cluster.kind == "eks":
        network = Network("network", NetworkArgs(
            region=config.region, availability_zones=config.network.availability_zones,
            cidr_block=str(config.network.cidr_block), nat_gateway_per_zone=config.network.nat_gateway_per_zone,
            tags=config.tags))
        cluster = Cluster("cluster", ClusterArgs(
            vpc_id=network.vpc_id, private_subnet_ids=network.private_subnet_ids,
            public_subnet_ids=network.public_subnet_ids, kubernetes_version=config.kubernetes_version,
            node_count=config.cluster.node_count, instance_type=config.cluster.instance_type,
            api_allowed_cidrs=[str(cidr) for cidr in config.cluster.api_allowed_cidrs],
            namespace=config.cluster.namespace, tags=config.tags))
        redis_url = Cache("cache", CacheArgs(
            vpc_id=network.vpc_id, subnet_ids=network.private_subnet_ids,
            client_cidr_blocks=[str(config.network.cidr_block)], node_type=config.cache.node_type,
            engine_version=config.cache.engine_version, multi_az=config.cache.multi_az,
            snapshot_retention_days=config.cache.snapshot_retention_days, tags=config.tags)).redis_url
        registry = Registry("registry", RegistryArgs(repository_name=f"cnop-{config.environment}/apps",
                                                     tags=config.tags))
        images = Images("images", ImagesArgs(
            repository=registry.repository_url, tag=config.images.tag, digest=config.images.digest,
            build=config.images.build, registry_id=registry.registry_id))
    else:
        cluster = KindCluster("cluster", KindClusterArgs(
            context=config.cluster.kind_context, cluster_name=config.cluster.kind_cluster_name,
            namespace=config.cluster.namespace))
        redis_url = LocalCache("cache", LocalCacheArgs(namespace=cluster.namespace, image=config.cache.image),
                               opts=pulumi.ResourceOptions(providers=[cluster.provider])).redis_url
        images = Images("images", ImagesArgs(repository=config.images.repository or "", tag=config.images.tag,
                                             digest=config.images.digest))

    in_cluster = pulumi.ResourceOptions(providers=[cluster.provider])
    secrets = Secrets("secrets", SecretsArgs(namespace=cluster.namespace, redis_url=redis_url,
                                             gemini_api_key=config.gemini_api_key), opts=in_cluster)
    oidc = None
    if cluster.oidc_provider_arn is not None and cluster.oidc_issuer is not None:
        oidc = (cluster.oidc_provider_arn, cluster.oidc_issuer)
    apps = deploy_apps(config, namespace=cluster.namespace, image=images.ref, secrets=secrets,
                       table_arns=database.table_arns, kms_key_arn=database.kms_key_arn, oidc=oidc,
                       opts=in_cluster)
    monitoring = Monitoring("monitoring", MonitoringArgs(
        chart_version=config.monitoring.chart_version, app_namespace=cluster.namespace,
        grafana_service_type=config.monitoring.grafana_service_type,
        grafana_node_port=config.monitoring.grafana_node_port,
        prometheus_retention=config.monitoring.prometheus_retention,
        dashboards_dir=REPO / "dashboards" / "generated", rules_dir=REPO / "dashboards" / "rules"), opts=in_cluster)

    gateway = apps["gateway"]
    return {
        "gatewayUrl": config.apps.gateway_url or pulumi.Output.format("http://{0}", gateway.load_balancer_hostname),
        "grafanaUrl": config.monitoring.grafana_url or monitoring.grafana_url,
        "grafanaAdminPassword": monitoring.grafana_admin_password,
        "tableNames": database.table_names,
        "image": images.ref,
        "kubeconfig": cluster.kubeconfig,
    }
