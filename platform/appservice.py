"""AppService: one app of the platform on Kubernetes, locked down and autoscaled.

Deployment (probes, requests and limits, non-root, read-only root filesystem, pinned image), Service,
ServiceAccount (with an IRSA role scoped to the app's own tables on EKS), HPA, PDB and a NetworkPolicy
that admits only the gateway (and Prometheus), unless the app is the public entry point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
from cnop_platform.pod_security import container_security_context, pod_security_context
from cnop_platform.secrets import SecretKey
from cnop_platform.service_role import table_access_role

APP_USER_ID = 10001  # the Dockerfile's app user


@dataclass(frozen=True, kw_only=True)
class TableAccess:
    """The tables an app may use and the cluster identity that lets its pods assume a role for them."""

    table_arns: Sequence[pulumi.Input[str]]
    """ARNs of the app's own tables (their indexes are included)."""
    kms_key_arn: pulumi.Input[str]
    """The tables' KMS key."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider."""
    oidc_issuer: pulumi.Input[str]
    """The cluster's OIDC issuer (the provider URL without ``https://``)."""
    region: str
    """Region of the tables (scopes the KMS ``ViaService`` condition)."""


@dataclass(frozen=True, kw_only=True)
class AppServiceArgs:
    service: str
    """The app's name: ``apps.<service>.main`` is what runs."""
    namespace: pulumi.Input[str]
    """Namespace of the apps."""
    image: pulumi.Input[str]
    """The apps image, pinned by tag or digest."""
    port: int
    """Container and Service port."""
    env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Plain environment variables (the app's settings)."""
    secret_env: Mapping[str, SecretKey] = field(default_factory=dict)
    """Environment variables read from Kubernetes Secrets."""
    min_replicas: int = 1
    """HPA floor."""
    max_replicas: int = 3
    """HPA ceiling."""
    target_cpu_percent: int = 70
    """HPA target CPU utilisation of the requests."""
    cpu_request: str = "100m"
    """CPU request per pod."""
    memory_request: str = "192Mi"
    """Memory request per pod."""
    cpu_limit: str = "1"
    """CPU limit per pod."""
    memory_limit: str = "512Mi"
    """Memory limit per pod."""
    public: bool = False
    """The entry point: reachable from outside the namespace; every other app admits only the gateway."""
    service_type: str = "ClusterIP"
    """Kubernetes Service type (``LoadBalancer`` or ``NodePort`` for the public app)."""
    node_port: int | None = None
    """Fixed node port when ``service_type`` is ``NodePort``."""
    gateway_labels: Mapping[str, str] = field(default_factory=lambda: {"app.kubernetes.io/name": "gateway"})
    """Pods that may call a non-public app."""
    monitoring_namespace: str = "monitoring"
    """Namespace whose Prometheus may scrape ``/metrics``."""
    table_access: TableAccess | None = None
    """An IRSA role for the app's tables; None where pods use static local credentials (localstack)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource."""


class AppService(pulumi.ComponentResource):
    service_name: pulumi.Output[str]
    url: pulumi.Output[str]
    """The in-cluster URL other apps use."""
    load_balancer_hostname: pulumi.Output[str]
    """The public address of a LoadBalancer Service; empty for other types."""

    def __init__(self, name: str, args: AppServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:AppService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = {"app.kubernetes.io/name": args.service, "app.kubernetes.io/part-of": "cnop",
                  "app.kubernetes.io/component": "api"}
        meta: k8s.meta.v1.ObjectMetaArgsDict = {"name": args.service, "namespace": args.namespace, "labels": labels}

        annotations: dict[str, pulumi.Input[str]] = {}
        if args.table_access is not None:
            access = args.table_access
            role = table_access_role(
                name, oidc_provider_arn=access.oidc_provider_arn, oidc_issuer=access.oidc_issuer,
                service_account=args.service, namespace=args.namespace, table_arns=access.table_arns,
                kms_key_arn=access.kms_key_arn, region=access.region, tags=args.tags, parent=self)
            annotations["eks.amazonaws.com/role-arn"] = role.arn
        account = k8s.core.v1.ServiceAccount(f"{name}-sa", metadata={**meta, "annotations": annotations},
                                             automount_service_account_token=False, opts=child)
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment", metadata=meta, spec=_deployment_spec(args, labels, account.metadata.name),
            # The HPA owns the replica count once the Deployment exists.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["spec.replicas"]),
        )
        port: k8s.core.v1.ServicePortArgsDict = {"name": "http", "port": args.port, "target_port": "http",
                                                 "protocol": "TCP"}
        if args.node_port is not None:
            port["node_port"] = args.node_port
        service = k8s.core.v1.Service(f"{name}-service", metadata=meta, opts=child,
                                      spec={"type": args.service_type, "selector": labels, "ports": [port]})
        k8s.autoscaling.v2.HorizontalPodAutoscaler(f"{name}-hpa", metadata=meta, opts=child, spec={
            "scale_target_ref": {"api_version": "apps/v1", "kind": "Deployment", "name": deployment.metadata.name},
            "min_replicas": args.min_replicas,
            "max_replicas": args.max_replicas,
            "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "average_utilization": args.target_cpu_percent}}}],
        })
        k8s.policy.v1.PodDisruptionBudget(f"{name}-pdb", metadata=meta, opts=child,
                                          spec={"max_unavailable": 1, "selector": {"match_labels": labels}})
        k8s.networking.v1.NetworkPolicy(f"{name}-netpol", metadata=meta, opts=child,
                                        spec=_network_policy(args, labels))

        self.service_name = service.metadata.name
        self.url = pulumi.Output.format("http://{0}.{1}.svc.cluster.local:{2}", service.metadata.name,
                                        args.namespace, args.port)
        self.load_balancer_hostname = service.status.apply(_first_address)
        self.register_outputs({"service_name": self.service_name, "url": self.url,
                               "load_balancer_hostname": self.load_balancer_hostname})


def _first_address(status: k8s.core.v1.outputs.ServiceStatus | None) -> str:
    balancer = status.load_balancer if status is not None else None
    for point in (balancer.ingress or []) if balancer is not None else []:
        if point.hostname or point.ip:
            return str(point.hostname or point.ip)
    return ""


def _deployment_spec(
    args: AppServiceArgs, labels: dict[str, str], account: pulumi.Input[str]
) -> k8s.apps.v1.DeploymentSpecArgsDict:
    env: list[k8s.core.v1.EnvVarArgsDict] = [{"name": key, "value": value} for key, value in sorted(args.env.items())]
    env += [{"name": key, "value_from": {"secret_key_ref": {"name": ref.secret_name, "key": ref.key}}}
            for key, ref in sorted(args.secret_env.items())]
    command = ["python", "-m", "apps.serve", args.service, "--host", "0.0.0.0", "--port", str(args.port)]
    return {
        "replicas": args.min_replicas,
        "selector": {"match_labels": labels},
        "strategy": {"type": "RollingUpdate", "rolling_update": {"max_unavailable": 0, "max_surge": 1}},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "service_account_name": account,
                "automount_service_account_token": False,
                "security_context": pod_security_context(APP_USER_ID),
                "termination_grace_period_seconds": 30,
                "topology_spread_constraints": [{"max_skew": 1, "topology_key": "kubernetes.io/hostname",
                                                 "when_unsatisfiable": "ScheduleAnyway",
                                                 "label_selector": {"match_labels": labels}}],
                "containers": [{
                    "name": args.service,
                    "image": args.image,
                    "image_pull_policy": "IfNotPresent",
                    "command": command,
                    "env": env,
                    "ports": [{"name": "http", "container_port": args.port, "protocol": "TCP"}],
                    # /health checks DynamoDB and Redis: it decides readiness. Liveness only asks whether the
                    # process still accepts connections, so an outage of a dependency never restarts every pod.
                    "readiness_probe": {"http_get": {"path": "/health", "port": "http"},
                                        "period_seconds": 10, "timeout_seconds": 3, "failure_threshold": 3},
                    "startup_probe": {"tcp_socket": {"port": "http"}, "period_seconds": 2, "failure_threshold": 30},
                    "liveness_probe": {"tcp_socket": {"port": "http"}, "period_seconds": 20, "failure_threshold": 3},
                    "resources": {"requests": {"cpu": args.cpu_request, "memory": args.memory_request},
                                  "limits": {"cpu": args.cpu_limit, "memory": args.memory_limit}},
                    "security_context": container_security_context(),
                    "volume_mounts": [{"name": "tmp", "mount_path": "/tmp"}],
                }],
                "volumes": [{"name": "tmp", "empty_dir": {"size_limit": "64Mi"}}],
            },
        },
    }


def _network_policy(args: AppServiceArgs, labels: dict[str, str]) -> k8s.networking.v1.NetworkPolicySpecArgsDict:
    port: k8s.networking.v1.NetworkPolicyPortArgsDict = {"protocol": "TCP", "port": args.port}
    if args.public:
        rules: list[k8s.networking.v1.NetworkPolicyIngressRuleArgsDict] = [{"ports": [port]}]
    else:
        monitoring = {"kubernetes.io/metadata.name": args.monitoring_namespace}
        rules = [{"ports": [port], "from_": [{"pod_selector": {"match_labels": dict(args.gateway_labels)}},
                                             {"namespace_selector": {"match_labels": monitoring}}]}]
    return {"pod_selector": {"match_labels": labels}, "policy_types": ["Ingress"], "ingress": rules}
