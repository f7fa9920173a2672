"""SyntheticProbes: the blackbox exporter (Helm) with the platform's probe module (``dashboards.probes``);
Prometheus' scrape job (``dashboards.probes.probe_scrape_config``, in kube-prometheus-stack's values) asks it to
probe the gateway's public routes through its Service and, on AWS, through the public address, the users' way in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
from cnop_platform.helm import pinned_release

FULLNAME = "blackbox-exporter"
PORT = 9115


def exporter_address(namespace: str) -> str:
    """Where Prometheus asks for probes (``host:port``)."""
    return f"{FULLNAME}.{namespace}.svc.cluster.local:{PORT}"


@dataclass(frozen=True, kw_only=True)
class SyntheticProbesArgs:
    namespace: pulumi.Input[str]
    """The monitoring namespace."""
    config: Mapping[str, object]
    """The exporter's modules (``dashboards.probes.blackbox_config()``)."""
    chart_version: str = "9.0.1"
    """Pinned ``prometheus-blackbox-exporter`` chart version (blackbox_exporter 0.25)."""
    chart_repository: str = "https://prometheus-community.github.io/helm-charts"
    """Helm repository of the chart."""
    resources: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: {
        "requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}})
    """The exporter's requests and limits."""


class SyntheticProbes(pulumi.ComponentResource):
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: SyntheticProbesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:SyntheticProbes", name, None, opts)
        self.release = pinned_release(
            f"{name}-release", release=FULLNAME, chart="prometheus-blackbox-exporter", version=args.chart_version,
            namespace=args.namespace, repository=args.chart_repository,
            values={"fullnameOverride": FULLNAME, "config": dict(args.config),
                    "resources": {kind: dict(amounts) for kind, amounts in args.resources.items()}},
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
