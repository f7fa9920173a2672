"""The apps' namespace: Kubernetes' ``restricted`` pod-security level enforced, shared by both cluster kinds."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

PSA_LEVEL = "restricted"


def app_namespace(
    owner_name: str, namespace: str, provider: k8s.Provider, owner: pulumi.Resource
) -> pulumi.Output[str]:
    """Creates the namespace as a child of ``owner`` and returns its name (an output, so users wait for it)."""
    labels = {f"pod-security.kubernetes.io/{mode}": PSA_LEVEL for mode in ("enforce", "audit", "warn")}
    created = k8s.core.v1.Namespace(
        f"{owner_name}-{namespace}",
        metadata={"name": namespace, "labels": {**labels, "app.kubernetes.io/part-of": "cnop"}},
        opts=pulumi.ResourceOptions(parent=owner, provider=provider),
    )
    return created.metadata.name
