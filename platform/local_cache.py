"""LocalCache: a password-protected Redis inside the Kubernetes cluster, for the stack without ElastiCache."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random
from cnop_platform.pod_security import container_security_context, pod_security_context

REDIS_PORT = 6379
REDIS_USER_ID = 999  # the redis user of the official image


@dataclass(frozen=True, kw_only=True)
class LocalCacheArgs:
    namespace: pulumi.Input[str]
    """Namespace of the apps that use it."""
    image: pulumi.Input[str] = "redis:7.4.2-alpine"
    """Pinned Redis image."""
    client_labels: Mapping[str, str] = field(default_factory=lambda: {"app.kubernetes.io/part-of": "cnop"})
    """Pods of its namespace with these labels may connect..."""
    monitoring_namespace: str | None = "monitoring"
    """...and the Redis exporter's namespace; nothing else may."""


class LocalCache(pulumi.ComponentResource):
    redis_url: pulumi.Output[str]
    """``redis://`` URL carrying the password: a secret."""
    pod_labels: dict[str, str]
    """The Redis pod's labels: what the apps' egress policies name."""

    def __init__(self, name: str, args: LocalCacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:LocalCache", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "cache"}
        self.pod_labels = labels
        password = random.RandomPassword(f"{name}-password", length=32, special=False, opts=child)
        secret = k8s.core.v1.Secret(
            f"{name}-password", metadata={"name": f"{name}-password", "namespace": args.namespace, "labels": labels},
            string_data={"password": password.result}, type="Opaque", opts=child,
        )
        k8s.apps.v1.Deployment(f"{name}-redis", metadata={"name": name, "namespace": args.namespace, "labels": labels},
                               spec=_deployment_spec(labels, args.image, secret.metadata.name), opts=child)
        service = k8s.core.v1.Service(
            f"{name}-redis", metadata={"name": name, "namespace": args.namespace, "labels": labels},
            spec={"selector": labels, "ports": [{"name": "redis", "port": REDIS_PORT, "target_port": "redis"}]},
            opts=child,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-redis",
            metadata={"name": name, "namespace": args.namespace, "labels": labels},
            spec={
                "pod_selector": {"match_labels": labels},
                "policy_types": ["Ingress", "Egress"],  # it connects nowhere
                "ingress": [{"from_": _clients(args), "ports": [{"protocol": "TCP", "port": REDIS_PORT}]}],
            },
            opts=child,
        )
        self.redis_url = pulumi.Output.secret(pulumi.Output.format(
            "redis://:{0}@{1}.{2}.svc.cluster.local:{3}/0", password.result, service.metadata.name,
            args.namespace, REDIS_PORT))
        self.register_outputs({"redis_url": self.redis_url})


def _clients(args: LocalCacheArgs) -> list[k8s.networking.v1.NetworkPolicyPeerArgsDict]:
    clients: list[k8s.networking.v1.NetworkPolicyPeerArgsDict] = [
        {"pod_selector": {"match_labels": dict(args.client_labels)}}]
    if args.monitoring_namespace is not None:
        clients.append({"namespace_selector": {"match_labels": {
            "kubernetes.io/metadata.name": args.monitoring_namespace}}})
    return clients


def _deployment_spec(
    labels: dict[str, str], image: pulumi.Input[str], secret_name: pulumi.Input[str]
) -> k8s.apps.v1.DeploymentSpecArgsDict:
    probe: k8s.core.v1.ProbeArgsDict = {"tcp_socket": {"port": "redis"}, "period_seconds": 10}
    return {
        "replicas": 1,
        "selector": {"match_labels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "automount_service_account_token": False,
                "security_context": pod_security_context(REDIS_USER_ID),
                "containers": [{
                    "name": "redis",
                    "image": image,
                    "image_pull_policy": "IfNotPresent",
                    # No persistence: the local stack's Redis holds only rebuildable state.
                    "args": ["--requirepass", "$(REDIS_PASSWORD)", "--save", "", "--appendonly", "no"],
                    "env": [{"name": "REDIS_PASSWORD",
                             "value_from": {"secret_key_ref": {"name": secret_name, "key": "password"}}}],
                    "ports": [{"name": "redis", "container_port": REDIS_PORT}],
                    "readiness_probe": probe,
                    "liveness_probe": {**probe, "initial_delay_seconds": 10},
                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                                  "limits": {"cpu": "500m", "memory": "256Mi"}},
                    "security_context": container_security_context(),
                    "volume_mounts": [{"name": "data", "mount_path": "/data"}],
                }],
                "volumes": [{"name": "data", "empty_dir": {"size_limit": "256Mi"}}],
            },
        },
    }
