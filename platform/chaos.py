"""Chaos: Chaos Mesh (its Helm chart, namespace-scoped to the apps' namespace) and the platform's fault
scenarios as one Chaos Mesh Schedule of a Workflow.

The workflow (built from ``loadtests/chaos.toml`` by ``stacks/chaos_workflow.py``) runs every scenario one
after the other: a warm-up, the scenario's faults on their timeline, a settling pause. With a cron schedule
the Schedule runs it by itself; without one the Schedule stays paused and serves as the template of a one-shot
run that ``make loadtest PROFILE=chaos TARGET=<stack>`` starts beside its load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from cnop_platform.helm import pinned_release

API_VERSION = "chaos-mesh.org/v1alpha1"
PAUSE_ANNOTATION = "experiment.chaos-mesh.org/pause"
NEVER = "0 0 31 2 *"
"""A cron with no date (31 February) for a Schedule that only ever runs by hand: paused besides."""


@dataclass(frozen=True, kw_only=True)
class ChaosArgs:
    target_namespace: pulumi.Input[str]
    """The apps' namespace: the only one Chaos Mesh may act in (namespace-scoped install), where the Schedule
    and the Workflows it makes live."""
    workflow: Mapping[str, Any]
    """The Workflow spec (``entry`` and ``templates``) of every scenario the cluster can express."""
    schedule: str | None = None
    """A cron for recurring runs; None keeps the Schedule paused, a template for one-shot runs."""
    chart_version: str = "2.7.2"
    """Pinned Chaos Mesh chart version (the images carry the same ``v`` tag)."""
    chart_repository: str = "https://charts.chaos-mesh.org"
    """Helm repository of the chart."""
    namespace: str = "chaos-mesh"
    """Namespace of the controller and the daemons."""
    container_runtime: str = "containerd"
    """The nodes' container runtime, which the daemons drive (containerd on EKS and Kind)."""
    runtime_socket: str = "/run/containerd/containerd.sock"
    """The runtime's socket on the nodes."""
    schedule_name: str = "cnop-chaos"
    """The Schedule's name (Chaos Mesh allows 51 characters for a Schedule of a Workflow)."""


class Chaos(pulumi.ComponentResource):
    schedule_name: pulumi.Output[str]
    """The Schedule: recurring, or the paused template of one-shot runs."""

    def __init__(self, name: str, args: ChaosArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Chaos", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # The daemons enter pods' network namespaces and drive the container runtime: privileged.
        namespace = k8s.core.v1.Namespace(f"{name}-namespace", opts=child, metadata={
            "name": args.namespace, "labels": {"pod-security.kubernetes.io/enforce": "privileged"}})
        release = pinned_release(
            f"{name}-chaos-mesh",
            release="chaos-mesh",
            chart="chaos-mesh",
            version=args.chart_version,
            repository=args.chart_repository,
            namespace=namespace.metadata.name,
            values=_values(args),
            opts=child,
        )
        labels = {"app.kubernetes.io/part-of": "cnop", "app.kubernetes.io/component": "chaos"}
        annotations = {} if args.schedule else {PAUSE_ANNOTATION: "true"}
        k8s.apiextensions.CustomResource(
            f"{name}-schedule", api_version=API_VERSION, kind="Schedule",
            metadata={"name": args.schedule_name, "namespace": args.target_namespace, "labels": labels,
                      "annotations": annotations},
            spec={"schedule": args.schedule or NEVER, "concurrencyPolicy": "Forbid", "historyLimit": 2,
                  "type": "Workflow", "workflow": dict(args.workflow)},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[release]),  # its CRDs come with the chart
        )
        self.schedule_name = pulumi.Output.from_input(args.schedule_name)
        self.register_outputs({"schedule_name": self.schedule_name})


def _values(args: ChaosArgs) -> dict[str, object]:
    return {
        # Namespace-scoped: Chaos Mesh's roles reach the apps' namespace alone, whatever an experiment selects.
        "clusterScoped": False,
        "controllerManager": {"targetNamespace": args.target_namespace, "replicaCount": 1,
                              "enableFilterNamespace": False},
        "images": {"tag": f"v{args.chart_version}"},
        "chaosDaemon": {"runtime": args.container_runtime, "socketPath": args.runtime_socket},
        "dashboard": {"create": False},
        "dnsServer": {"create": False},
    }
