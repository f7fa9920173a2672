"""AwsSignals: AWS's own view of the stack's resources, which the apps cannot see themselves: DynamoDB's throttles
and consumed capacity, ElastiCache's memory and evictions, the load balancer's 5xx and target health. YACE
(yet-another-cloudwatch-exporter, Helm) reads them from CloudWatch for the resources carrying the stack's tags,
with a Pod Identity role that may only read metrics and list tagged resources, and is scraped as job
``cloudwatch`` (``dashboards.config.JOBS``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml
from cnop_platform.helm import pinned_release
from cnop_platform.pod_identity import PodIdentity, pod_role
from cnop_platform.pod_security import NOBODY, chart_container_security

FULLNAME = "cloudwatch-exporter"
SERVICE_ACCOUNT = FULLNAME
PERIOD_SECONDS = 60
READ_ACTIONS = ("cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics",
                "tag:GetResources")
"""All YACE needs to find tagged resources and read their metrics: reads only."""


@dataclass(frozen=True)
class Metric:
    name: str
    statistic: str


NAMESPACES: Mapping[str, Sequence[Metric]] = {
    "AWS/DynamoDB": (Metric("ThrottledRequests", "Sum"), Metric("ConsumedReadCapacityUnits", "Sum"),
                     Metric("ConsumedWriteCapacityUnits", "Sum")),
    "AWS/ElastiCache": (Metric("DatabaseMemoryUsagePercentage", "Maximum"), Metric("Evictions", "Sum")),
    "AWS/ApplicationELB": (Metric("HTTPCode_Target_5XX_Count", "Sum"), Metric("HTTPCode_ELB_5XX_Count", "Sum"),
                           Metric("HealthyHostCount", "Minimum"), Metric("UnHealthyHostCount", "Maximum")),
}
"""What the dependencies dashboard shows (``dashboards/queries/aws.py``), by CloudWatch namespace."""


@dataclass(frozen=True, kw_only=True)
class AwsSignalsArgs:
    namespace: pulumi.Input[str]
    """The monitoring namespace."""
    identity: PodIdentity
    """The cluster YACE's role trusts."""
    region: str
    """Where the stack's resources are."""
    search_tags: Mapping[str, str]
    """Tags that pick the stack's resources (``Project``, ``Environment``)."""
    job: str
    """The Prometheus job its series carry (``dashboards.config.JOBS.cloudwatch``)."""
    chart_version: str = "0.50.0"
    """Pinned ``prometheus-yet-another-cloudwatch-exporter`` chart version (YACE 0.62)."""
    chart_repository: str = "https://prometheus-community.github.io/helm-charts"
    """Helm repository of the chart."""
    resources: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: {
        "requests": {"cpu": "20m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "256Mi"}})
    """The exporter's requests and limits."""


class AwsSignals(pulumi.ComponentResource):
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: AwsSignalsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:AwsSignals", name, None, opts)
        # Associated before the pod starts: the Pod Identity webhook injects credentials at admission.
        role = pod_role(name, args.identity, namespace=args.namespace, service_account=SERVICE_ACCOUNT,
                        policy=read_only_policy(), parent=self)
        self.release = pinned_release(
            f"{name}-release", release=FULLNAME, chart="prometheus-yet-another-cloudwatch-exporter",
            version=args.chart_version, namespace=args.namespace,
            repository=args.chart_repository,
            values=values(args), opts=pulumi.ResourceOptions(parent=self, depends_on=[role.ready]))
        self.register_outputs({})


def read_only_policy() -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadMetricsOfTaggedResources", "Effect": "Allow", "Action": list(READ_ACTIONS), "Resource": "*"}]})


def yace_config(args: AwsSignalsArgs) -> dict[str, Any]:
    """YACE's discovery jobs: each namespace's metrics over one period, for the resources with the stack's tags."""
    tags = [{"key": key, "value": f"^{value}$"} for key, value in sorted(args.search_tags.items())]
    jobs = [{"type": namespace, "regions": [args.region], "searchTags": tags, "period": PERIOD_SECONDS,
             "length": 5 * PERIOD_SECONDS, "nilToZero": True,
             "metrics": [{"name": metric.name, "statistics": [metric.statistic]} for metric in metrics]}
            for namespace, metrics in NAMESPACES.items()]
    return {"apiVersion": "v1alpha1", "sts-region": args.region, "discovery": {"jobs": jobs}}


def values(args: AwsSignalsArgs) -> dict[str, object]:
    return {
        "fullnameOverride": FULLNAME,
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        "config": yaml.safe_dump(yace_config(args), sort_keys=False),
        # The chart's own ConfigMap of ``config``, mounted by its default name.
        "configMap": {"enabled": True},
        "configMapName": "",
        "service": {"enabled": True},
        "serviceMonitor": {"enabled": True,
                           "relabelings": [{"targetLabel": "job", "replacement": args.job, "action": "replace"}]},
        "testConnection": False,
        "resources": {kind: dict(amounts) for kind, amounts in args.resources.items()},
        "securityContext": chart_container_security(NOBODY),
    }
