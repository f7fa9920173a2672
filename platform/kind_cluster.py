"""KindCluster: an explicit Kubernetes provider on a Kind cluster created outside Pulumi (``make kind-up``)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
from cnop_platform.namespace import app_namespace
from cnop_platform.pod_identity import PodIdentity


@dataclass(frozen=True, kw_only=True)
class KindClusterArgs:
    context: pulumi.Input[str]
    """The kubeconfig context ``kind create cluster`` wrote, e.g. ``kind-cnop``."""
    cluster_name: str = "cnop"
    """The Kind cluster's name (``kind get kubeconfig --name``)."""
    namespace: str
    """The apps' namespace, created with the restricted pod-security level."""


class KindCluster(pulumi.ComponentResource):
    provider: k8s.Provider
    kubeconfig: pulumi.Output[str]
    """How to get the kubeconfig: Kind owns it, so it is not in the state (a secret, like EKS's)."""
    namespace: pulumi.Output[str]
    identity: PodIdentity | None = None
    """Kind pods use LocalStack's static credentials: no cloud identity."""

    def __init__(self, name: str, args: KindClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:KindCluster", name, None, opts)
        # Only the named context: a provider on the ambient default context could deploy to the wrong cluster.
        self.provider = k8s.Provider(f"{name}-k8s", context=args.context, enable_server_side_apply=True,
                                     opts=pulumi.ResourceOptions(parent=self))
        self.kubeconfig = pulumi.Output.secret(f"kind get kubeconfig --name {args.cluster_name}")
        self.namespace = app_namespace(name, args.namespace, self.provider, self)
        self.register_outputs({"kubeconfig": self.kubeconfig, "namespace": self.namespace})
