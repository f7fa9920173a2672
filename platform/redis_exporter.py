"""RedisExporter: the Redis exporter (Helm) reading the platform's Redis (ElastiCache over TLS with its auth
token, or the in-cluster one), scraped as job ``redis`` like the local stack's, so the dashboards' Redis row and
the Redis alerts read the same series everywhere.

Redis' URL carries its password: it reaches the exporter from a Secret (``REDIS_ADDR``), never in the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
from cnop_platform.helm import pinned_release
from cnop_platform.pod_security import NOBODY, chart_container_security

FULLNAME = "redis-exporter"
ADDRESS_KEY = "address"


@dataclass(frozen=True, kw_only=True)
class RedisExporterArgs:
    namespace: pulumi.Input[str]
    """The monitoring namespace."""
    redis_url: pulumi.Input[str]
    """``rediss://:<token>@<host>:6379/0`` (a secret): what the exporter connects to."""
    job: str
    """The Prometheus job its series carry (``dashboards.config.JOBS.redis``)."""
    chart_version: str = "6.30.1"
    """Pinned ``prometheus-redis-exporter`` chart version (redis_exporter 1.90)."""
    chart_repository: str = "https://prometheus-community.github.io/helm-charts"
    """Helm repository of the chart."""
    resources: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: {
        "requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}})
    """The exporter's requests and limits."""


class RedisExporter(pulumi.ComponentResource):
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: RedisExporterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:RedisExporter", name, None, opts)
        address = k8s.core.v1.Secret(
            f"{name}-address", type="Opaque", opts=pulumi.ResourceOptions(parent=self),
            metadata={"name": f"{FULLNAME}-address", "namespace": args.namespace,
                      "labels": {"app.kubernetes.io/part-of": "cnop"}},
            string_data={ADDRESS_KEY: pulumi.Output.secret(args.redis_url)})
        self.release = pinned_release(
            f"{name}-release", release=FULLNAME, chart="prometheus-redis-exporter", version=args.chart_version,
            namespace=args.namespace, repository=args.chart_repository,
            values=values(args, address.metadata.name), opts=pulumi.ResourceOptions(parent=self, depends_on=[address]))
        self.register_outputs({})


def values(args: RedisExporterArgs, address_secret: pulumi.Input[str]) -> dict[str, object]:
    return {
        "fullnameOverride": FULLNAME,
        "redisAddressConfig": {"enabled": True, "isSecret": True,
                               "source": {"name": address_secret, "key": ADDRESS_KEY}},
        # The local stack's flags: the machine's memory beside maxmemory, Redis' own metrics only.
        "extraArgs": {"include-system-metrics": "true", "redis-only-metrics": "true"},
        "rbac": {"create": True, "pspEnabled": False},
        "resources": {kind: dict(amounts) for kind, amounts in args.resources.items()},
        "securityContext": chart_container_security(NOBODY),
        "serviceMonitor": {"enabled": True,
                           "relabelings": [{"targetLabel": "job", "replacement": args.job, "action": "replace"}]},
    }
