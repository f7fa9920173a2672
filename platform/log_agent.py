"""LogAgent: Grafana Alloy (Helm) shipping the pods' log lines to Loki, each labelled with its ``service`` (the pod's
``app.kubernetes.io/name``, which is also its spans' ``service.name``), namespace, pod and container, and the stack's
``environment`` and ``cluster``.

Alloy tails the pods through the Kubernetes API (``loki.source.kubernetes``): one Deployment, no host paths, no
privileges. Its configuration is written here in Alloy's syntax.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
from cnop_platform.helm import pinned_release

FULLNAME = "alloy"
POD_LABELS = {"app_kubernetes_io_name": "service"}
"""Pod labels (as discovery spells them) kept as log labels: the service, the same name its spans carry."""


@dataclass(frozen=True, kw_only=True)
class LogAgentArgs:
    namespace: pulumi.Input[str]
    """The monitoring namespace."""
    push_url: str
    """Loki's push API."""
    namespaces: Sequence[str]
    """Whose pods' logs are shipped."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Labels put on every line (``environment``, ``cluster``)."""
    chart_version: str = "1.2.1"
    """Pinned ``alloy`` chart version (Alloy 1.10)."""
    chart_repository: str = "https://grafana.github.io/helm-charts"
    """Helm repository of the chart."""
    resources: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: {
        "requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}})
    """Alloy's requests and limits."""


class LogAgent(pulumi.ComponentResource):
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: LogAgentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:LogAgent", name, None, opts)
        self.release = pinned_release(
            f"{name}-release", release=FULLNAME, chart="alloy", version=args.chart_version, namespace=args.namespace,
            repository=args.chart_repository,
            values=values(args), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def _string(text: str) -> str:
    return json.dumps(text)  # Alloy's string literals are JSON's


def _rule(source: str, target: str) -> str:
    return f"  rule {{\n    source_labels = [{_string(source)}]\n    target_label  = {_string(target)}\n  }}\n"


def alloy_config(args: LogAgentArgs) -> str:
    """Discover the pods of ``namespaces``, label their lines, tail them through the API, push them to Loki."""
    namespaces = ", ".join(_string(name) for name in args.namespaces)
    labels = {**{f"__meta_kubernetes_pod_label_{label}": target for label, target in POD_LABELS.items()},
              "__meta_kubernetes_namespace": "namespace", "__meta_kubernetes_pod_name": "pod",
              "__meta_kubernetes_pod_container_name": "container"}
    external = ", ".join(f"{name} = {_string(value)}" for name, value in sorted(args.labels.items()))
    return (
        'discovery.kubernetes "pods" {\n  role = "pod"\n'
        f"  namespaces {{\n    names = [{namespaces}]\n  }}\n}}\n\n"
        'discovery.relabel "pods" {\n  targets = discovery.kubernetes.pods.targets\n'
        + "".join(_rule(source, target) for source, target in labels.items()) + "}\n\n"
        'loki.source.kubernetes "pods" {\n  targets    = discovery.relabel.pods.output\n'
        "  forward_to = [loki.write.cluster.receiver]\n}\n\n"
        'loki.write "cluster" {\n'
        f"  endpoint {{\n    url = {_string(args.push_url)}\n  }}\n"
        f"  external_labels = {{ {external} }}\n}}\n"
    )


def values(args: LogAgentArgs) -> dict[str, object]:
    return {
        "fullnameOverride": FULLNAME,
        "controller": {"type": "deployment", "replicas": 1},
        "alloy": {
            "configMap": {"create": True, "content": alloy_config(args)},
            "enableReporting": False,
            "mounts": {"varlog": False, "dockercontainers": False},  # it reads logs through the API
            "resources": {kind: dict(amounts) for kind, amounts in args.resources.items()},
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        },
    }
