"""MetricsServer: the resource metrics API the HorizontalPodAutoscalers read; without it they never scale."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from cnop_platform.helm import pinned_release


@dataclass(frozen=True, kw_only=True)
class MetricsServerArgs:
    chart_version: str = "3.12.2"
    """Pinned metrics-server chart version (metrics-server 0.7.2)."""
    chart_repository: str = "https://kubernetes-sigs.github.io/metrics-server/"
    """Helm repository of the chart."""
    replicas: int = 2
    """Two replicas with a PodDisruptionBudget: the HPAs keep reading through a node drain."""
    kubelet_insecure_tls: bool = False
    """Kind's kubelets serve self-signed certificates; EKS's are signed by the cluster CA."""


class MetricsServer(pulumi.ComponentResource):
    def __init__(self, name: str, args: MetricsServerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:MetricsServer", name, None, opts)
        values: dict[str, object] = {
            "replicas": args.replicas,
            "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
            "args": ["--kubelet-insecure-tls"] if args.kubelet_insecure_tls else [],
        }
        pinned_release(
            f"{name}-release", release="metrics-server", chart="metrics-server", version=args.chart_version,
            repository=args.chart_repository, namespace="kube-system",
            values=values, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
