"""The platform, composed from components according to the stack config alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from cnop_platform.alerts import Alerts, AlertsArgs
from cnop_platform.backup import Backup, BackupArgs
from cnop_platform.cache import Cache, CacheArgs
from cnop_platform.cluster import Cluster, ClusterArgs
from cnop_platform.cluster_addons import ClusterAddons, ClusterAddonsArgs
from cnop_platform.database import Database, DatabaseArgs
from cnop_platform.edge import Edge, EdgeArgs
from cnop_platform.images import Images, ImagesArgs
from cnop_platform.karpenter import Karpenter, KarpenterArgs
from cnop_platform.kind_cluster import KindCluster, KindClusterArgs
from cnop_platform.load_balancer_controller import LoadBalancerController, LoadBalancerControllerArgs
from cnop_platform.local_cache import LocalCache, LocalCacheArgs
from cnop_platform.metrics_server import MetricsServer, MetricsServerArgs
from cnop_platform.network import Network, NetworkArgs
from cnop_platform.registry import Registry, RegistryArgs
from cnop_platform.secrets import Secrets, SecretsArgs

from apps.common.services import public_entry
from stacks.app_services import Paths, deploy_apps, eks_paths, kind_paths
from stacks.chaos_workflow import InCluster, Outside
from stacks.config import StackConfig
from stacks.load_and_chaos import deploy_load_and_chaos
from stacks.observability import Watched, observe


@dataclass(frozen=True)
class Foundation:
    """What the apps run on: a cluster, Redis, the image, the network paths; on EKS also the controller the
    edge waits for."""

    cluster: Cluster | KindCluster
    redis_url: pulumi.Output[str]
    images: Images
    paths: Paths
    redis_place: InCluster | Outside
    """Where Redis runs, as chaos experiments select it."""
    load_balancers: LoadBalancerController | None = None


def build(config: StackConfig) -> dict[str, Any]:
    """Creates every resource of the stack; returns the stack outputs by name."""
    database = Database("database", DatabaseArgs(
        table_prefix=config.table_prefix, point_in_time_recovery=config.database.point_in_time_recovery,
        deletion_protection=config.database.deletion_protection, protect=config.database.protect,
        retain_on_delete=config.database.retain_on_delete, tags=config.tags))
    if config.backup.enabled:
        Backup("backup", BackupArgs(resource_arns=list(database.table_arns.values()), schedule=config.backup.schedule,
                                    retention_days=config.backup.retention_days, protect=config.database.protect,
                                    tags=config.tags))
    base = _eks(config) if config.cluster.kind == "eks" else _kind(config)
    cluster = base.cluster
    in_cluster = pulumi.ResourceOptions(providers=[cluster.provider])
    secrets = Secrets("secrets", SecretsArgs(namespace=cluster.namespace, redis_url=base.redis_url,
                                             signing_keys=config.secrets.signing_keys,
                                             gemini_api_key=config.gemini_api_key), opts=in_cluster)
    apps = deploy_apps(config, namespace=cluster.namespace, image=base.images.ref, secrets=secrets, paths=base.paths,
                       table_arns=database.table_arns, kms_key_arn=database.kms_key_arn, identity=cluster.identity,
                       opts=in_cluster)
    gateway_url: pulumi.Input[str] = config.apps.gateway_url or ""
    if config.edge is not None:
        edge = config.edge
        gateway_url = Edge("edge", EdgeArgs(
            domain=edge.domain, certificate_arn=edge.certificate_arn, hosted_zone_id=edge.hosted_zone_id,
            waf=edge.waf, waf_rate_limit=edge.waf_rate_limit, namespace=cluster.namespace,
            service_name=apps[public_entry().name].service_name, health_path=public_entry().probe_path,
            controller=base.load_balancers, tags=config.tags), opts=in_cluster).url
    probed = [apps[public_entry().name].url, *([gateway_url] if config.edge is not None else [])]
    monitoring = observe(config, Watched(gateway_urls=probed, redis_url=base.redis_url,
                                         app_namespace=cluster.namespace, identity=cluster.identity), opts=in_cluster)
    return {
        "gatewayUrl": gateway_url,
        "grafanaUrl": config.monitoring.grafana_url or monitoring.grafana_url,
        "grafanaAdminPassword": monitoring.grafana_admin_password,
        "tableNames": database.table_names,
        "image": base.images.ref,
        "kubeconfig": cluster.kubeconfig,
        **deploy_load_and_chaos(config, namespace=cluster.namespace, apps=apps, load_image=base.images.load_ref,
                                redis=base.redis_place, opts=in_cluster),
    }


def _eks(config: StackConfig) -> Foundation:
    zones = config.network.availability_zones
    network = Network("network", NetworkArgs(
        region=config.region, availability_zones=zones, cidr_block=str(config.network.cidr_block),
        nat_gateway_per_zone=config.network.nat_gateway_per_zone, discovery_tag=config.cluster_name,
        tags=config.tags))
    cluster = Cluster("cluster", ClusterArgs(
        cluster_name=config.cluster_name, vpc_id=network.vpc_id, private_subnet_ids=network.private_subnet_ids,
        public_subnet_ids=network.public_subnet_ids, kubernetes_version=config.kubernetes_version,
        region=config.region, node_count=config.cluster.node_count, instance_type=config.cluster.instance_type,
        api_allowed_cidrs=[str(cidr) for cidr in config.cluster.api_allowed_cidrs],
        admin_roles=config.access.admin_roles(), namespace=config.cluster.namespace, tags=config.tags))
    alerts = Alerts("alerts", AlertsArgs(emails=config.alerts.emails, tags=config.tags))
    cache = Cache("cache", CacheArgs(
        vpc_id=network.vpc_id, subnet_ids=network.private_subnet_ids,
        client_security_group_ids=[cluster.security_group_id], node_type=config.cache.node_type,
        engine_version=config.cache.engine_version, multi_az=config.cache.multi_az,
        snapshot_retention_days=config.cache.snapshot_retention_days, alarm_topic_arn=alerts.topic_arn,
        tags=config.tags))
    registry = Registry("registry", RegistryArgs(repository_name=f"cnop-{config.environment}/apps", tags=config.tags))
    images = Images("images", ImagesArgs(
        repository=registry.repository_url, tag=config.images.tag, digest=config.images.digest,
        build=config.images.build, registry_id=registry.registry_id, load_image=config.loadtest.enabled,
        load_digest=config.loadtest.image_digest))
    in_cluster = pulumi.ResourceOptions(providers=[cluster.provider])
    ClusterAddons("addons", ClusterAddonsArgs(identity=cluster.identity, provider=cluster.provider))
    MetricsServer("metrics-server", MetricsServerArgs(), opts=in_cluster)
    controller = LoadBalancerController("load-balancers", LoadBalancerControllerArgs(
        identity=cluster.identity, cluster_name=config.cluster_name, vpc_id=network.vpc_id, region=config.region),
        opts=in_cluster)
    capacity = config.capacity
    Karpenter("karpenter", KarpenterArgs(
        identity=cluster.identity, cluster_name=config.cluster_name, security_group_id=cluster.security_group_id,
        zones=zones, region=config.region, max_cpu=capacity.max_cpu, max_memory=capacity.max_memory,
        capacity_types=capacity.capacity_types, instance_categories=capacity.instance_categories,
        ami_alias=capacity.ami_alias, tags=config.tags), opts=in_cluster)
    return Foundation(cluster=cluster, redis_url=cache.redis_url, images=images, load_balancers=controller,
                      paths=eks_paths(private_cidrs=network.private_cidrs, public_cidrs=network.public_cidrs),
                      redis_place=Outside([cache.primary_endpoint], "ElastiCache"))


def _kind(config: StackConfig) -> Foundation:
    cluster = KindCluster("cluster", KindClusterArgs(
        context=config.cluster.kind_context, cluster_name=config.cluster.kind_cluster_name,
        namespace=config.cluster.namespace))
    in_cluster = pulumi.ResourceOptions(providers=[cluster.provider])
    cache = LocalCache("cache", LocalCacheArgs(namespace=cluster.namespace, image=config.cache.image), opts=in_cluster)
    images = Images("images", ImagesArgs(repository=config.images.repository or "", tag=config.images.tag,
                                         digest=config.images.digest, load_image=config.loadtest.enabled,
                                         load_digest=config.loadtest.image_digest))
    MetricsServer("metrics-server", MetricsServerArgs(replicas=1, kubelet_insecure_tls=True), opts=in_cluster)
    return Foundation(cluster=cluster, redis_url=cache.redis_url, images=images,
                      paths=kind_paths(redis_labels=cache.pod_labels,
                                       aws_endpoint=config.apps.aws_endpoint_in_cluster),
                      redis_place=InCluster(cache.pod_labels))
