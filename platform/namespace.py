"""The apps' namespace, shared by both cluster kinds: Kubernetes' ``restricted`` pod-security level enforced,
and nothing in or out by default: every pod is denied all ingress and egress but DNS, and each app's own
NetworkPolicy (``appservice``) opens exactly its paths."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

PSA_LEVEL = "restricted"
DNS_PEER: k8s.networking.v1.NetworkPolicyPeerArgsDict = {
    "namespace_selector": {"match_labels": {"kubernetes.io/metadata.name": "kube-system"}},
    "pod_selector": {"match_labels": {"k8s-app": "kube-dns"}},
}
READINESS_GATES = {"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"}
"""The AWS Load Balancer Controller holds a new pod unready until its load balancer target is healthy, so a
rolling update never has fewer serving targets than pods."""


def app_namespace(
    owner_name: str, namespace: str, provider: k8s.Provider, owner: pulumi.Resource, *,
    load_balancer_readiness: bool = False,
) -> pulumi.Output[str]:
    """Creates the namespace and its default policies as children of ``owner``; returns the namespace's name."""
    opts = pulumi.ResourceOptions(parent=owner, provider=provider)
    labels = {f"pod-security.kubernetes.io/{mode}": PSA_LEVEL for mode in ("enforce", "audit", "warn")}
    created = k8s.core.v1.Namespace(
        f"{owner_name}-{namespace}",
        metadata={"name": namespace, "labels": {**labels, "app.kubernetes.io/part-of": "cnop",
                                                 **(READINESS_GATES if load_balancer_readiness else {})}},
        opts=opts,
    )
    name = created.metadata.name
    policies: dict[str, k8s.networking.v1.NetworkPolicySpecArgsDict] = {
        "default-deny": {"pod_selector": {}, "policy_types": ["Ingress", "Egress"]},
        "allow-dns": {"pod_selector": {}, "policy_types": ["Egress"], "egress": [{
            "to": [DNS_PEER], "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]},
    }
    for policy, spec in policies.items():
        k8s.networking.v1.NetworkPolicy(f"{owner_name}-{policy}", opts=opts, spec=spec, metadata={
            "name": policy, "namespace": name, "labels": {"app.kubernetes.io/part-of": "cnop"}})
    return name
