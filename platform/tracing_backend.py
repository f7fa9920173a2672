"""TracingBackend: Grafana Tempo (single binary, Helm) receiving the apps' spans over OTLP/HTTP and answering
Grafana's trace queries.

Its addresses are fixed by the release's name, so the apps can be told where to send their spans
(``otlp_endpoint``) and their NetworkPolicies opened (``otlp_egress``) before Tempo itself exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
from cnop_platform.helm import pinned_release
from cnop_platform.pod_security import chart_container_security

FULLNAME = "tempo"
OTLP_HTTP_PORT = 4318
QUERY_PORT = 3100
"""The chart's HTTP API port (its Service names it ``tempo-prom-metrics``): where Grafana asks for traces."""
EgressRule = k8s.networking.v1.NetworkPolicyEgressRuleArgsDict


def otlp_endpoint(namespace: str) -> str:
    """What the apps' ``OTEL_EXPORTER_OTLP_ENDPOINT`` names: spans go to ``<this>/v1/traces``."""
    return f"http://{FULLNAME}.{namespace}.svc.cluster.local:{OTLP_HTTP_PORT}"


def query_url(namespace: str) -> str:
    """Tempo's HTTP API, for Grafana's datasource."""
    return f"http://{FULLNAME}.{namespace}.svc.cluster.local:{QUERY_PORT}"


def otlp_egress(namespace: str) -> EgressRule:
    """The apps' way out to Tempo's OTLP/HTTP receiver (the only listener of that port in ``namespace``)."""
    return {"to": [{"namespace_selector": {"match_labels": {"kubernetes.io/metadata.name": namespace}}}],
            "ports": [{"protocol": "TCP", "port": OTLP_HTTP_PORT}]}


@dataclass(frozen=True, kw_only=True)
class TracingBackendArgs:
    namespace: pulumi.Input[str]
    """The monitoring namespace."""
    chart_version: str = "1.24.4"
    """Pinned ``tempo`` chart version (single binary; Tempo 2.x)."""
    chart_repository: str = "https://grafana-community.github.io/helm-charts"
    """Helm repository of the chart (the community took the Grafana Tempo charts over in 2026)."""
    retention: str = "168h"
    """How long traces are kept."""
    storage_size: str | None = None
    """A volume for the traces; None keeps them in the pod (lost with it: Kind)."""
    storage_class: str = "gp3"
    """The volume's StorageClass."""
    resources: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: {
        "requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}})
    """Tempo's requests and limits."""


class TracingBackend(pulumi.ComponentResource):
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: TracingBackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:TracingBackend", name, None, opts)
        self.release = pinned_release(
            f"{name}-release", release=FULLNAME, chart="tempo", version=args.chart_version, namespace=args.namespace,
            repository=args.chart_repository,
            values=values(args), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def values(args: TracingBackendArgs) -> dict[str, object]:
    tempo: dict[str, object] = {
        "retention": args.retention,
        "reportingEnabled": False,
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"0.0.0.0:{OTLP_HTTP_PORT}"}}}},
        "resources": {kind: dict(amounts) for kind, amounts in args.resources.items()},
        # Tempo writes only under /var/tempo: its volume, or a scratch one in the pod.
        "securityContext": chart_container_security(),
    }
    chart: dict[str, object] = {"fullnameOverride": FULLNAME, "tempo": tempo}
    if args.storage_size is not None:
        chart["persistence"] = {"enabled": True, "size": args.storage_size, "storageClassName": args.storage_class}
    else:
        chart["persistence"] = {"enabled": False}
        chart["extraVolumes"] = [{"name": "scratch", "emptyDir": {"sizeLimit": "2Gi"}}]
        tempo["extraVolumeMounts"] = [{"name": "scratch", "mountPath": "/var/tempo"}]
    return chart
