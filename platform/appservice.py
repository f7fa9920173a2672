"""AppService: one app of the platform on Kubernetes, locked down, spread and autoscaled.

Deployment (cheap probes, requests and limits, non-root, read-only root filesystem, pinned image, spread over
zones and nodes, a preStop pause so load balancers stop sending before the process stops), Service,
ServiceAccount (with a Pod Identity role scoped to the app's own tables on EKS), HPA, PDB and a NetworkPolicy
that opens exactly the app's paths in a namespace that denies everything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
from cnop_platform.pod_identity import PodIdentity, pod_role, table_access_policy
from cnop_platform.pod_security import container_security_context, pod_security_context
from cnop_platform.secrets import SecretKey

APP_USER_ID = 10001  # the Dockerfile's app user
SECRETS_CHECKSUM = "cnop.io/secrets-checksum"

Peer = k8s.networking.v1.NetworkPolicyPeerArgsDict
EgressRule = k8s.networking.v1.NetworkPolicyEgressRuleArgsDict


@dataclass(frozen=True, kw_only=True)
class TableAccess:
    """The tables an app may use and the cluster whose pods may assume a role for them."""

    table_arns: Sequence[pulumi.Input[str]]
    """ARNs of the app's own tables (their indexes are included)."""
    kms_key_arn: pulumi.Input[str]
    """The tables' KMS key."""
    identity: PodIdentity
    """The cluster the role trusts."""
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
    probe_path: str = "/readyz"
    """The kubelet's probe: the process answers (no dependency is called)."""
    env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Plain environment variables (the app's settings)."""
    secret_env: Mapping[str, SecretKey] = field(default_factory=dict)
    """Environment variables read from Kubernetes Secrets."""
    secrets_checksum: pulumi.Input[str] | None = None
    """A digest of the Secrets' values, on the pod template: a rotated secret rolls the pods."""
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
    zones_strictly: bool = False
    """Never put a pod where it would leave zones unbalanced (the nodes carry zone labels: EKS); otherwise
    zones and nodes are preferences only (Kind's one unlabelled node)."""
    pre_stop_seconds: int = 25
    """Pause before SIGTERM: endpoints and load balancer targets are withdrawn while the pod still serves."""
    termination_grace_seconds: int = 60
    """The pause, then uvicorn's graceful shutdown of requests in flight."""
    public: bool = False
    """The entry point; every other app admits only the gateway."""
    service_type: str = "ClusterIP"
    """Kubernetes Service type (``NodePort`` for the public app on Kind; EKS uses an Ingress)."""
    node_port: int | None = None
    """Fixed node port when ``service_type`` is ``NodePort``."""
    clients: Sequence[Peer] | None = None
    """Who may connect to the app's port: None means anyone (the public entry on Kind)."""
    egress: Sequence[EgressRule] = ()
    """Where the app may connect (DNS is open namespace-wide)."""
    monitoring_namespace: str = "monitoring"
    """Namespace whose Prometheus may scrape ``/metrics``."""
    table_access: TableAccess | None = None
    """A Pod Identity role for the app's tables; None where pods use static local credentials (localstack)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource."""


class AppService(pulumi.ComponentResource):
    service_name: pulumi.Output[str]
    url: pulumi.Output[str]
    """The in-cluster URL other apps use."""
    pod_labels: dict[str, str]
    """The labels the app's pods carry: what policies, load tests and chaos experiments select them by."""

    def __init__(self, name: str, args: AppServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:AppService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = {"app.kubernetes.io/name": args.service, "app.kubernetes.io/part-of": "cnop",
                  "app.kubernetes.io/component": "api"}
        self.pod_labels = labels
        meta: k8s.meta.v1.ObjectMetaArgsDict = {"name": args.service, "namespace": args.namespace, "labels": labels}

        account = k8s.core.v1.ServiceAccount(f"{name}-sa", metadata=meta, automount_service_account_token=False,
                                             opts=child)
        depends: list[pulumi.Resource] = []
        if args.table_access is not None:
            access = args.table_access
            policy = pulumi.Output.all(access.kms_key_arn, *access.table_arns).apply(
                lambda values: table_access_policy(values[0], values[1:], access.region))
            # Associated before the pods start: the Pod Identity webhook injects credentials at admission.
            depends.append(pod_role(name, access.identity, namespace=args.namespace, service_account=args.service,
                                    policy=policy, parent=self).ready)
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment", metadata=meta, spec=_deployment_spec(args, labels, account.metadata.name),
            # The HPA owns the replica count once the Deployment exists.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["spec.replicas"], depends_on=depends),
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
        self.register_outputs({"service_name": self.service_name, "url": self.url})


def _deployment_spec(
    args: AppServiceArgs, labels: dict[str, str], account: pulumi.Input[str]
) -> k8s.apps.v1.DeploymentSpecArgsDict:
    env: list[k8s.core.v1.EnvVarArgsDict] = [{"name": key, "value": value} for key, value in sorted(args.env.items())]
    env += [{"name": key, "value_from": {"secret_key_ref": {"name": ref.secret_name, "key": ref.key}}}
            for key, ref in sorted(args.secret_env.items())]
    command = ["python", "-m", "apps.serve", args.service, "--host", "0.0.0.0", "--port", str(args.port)]
    probe: k8s.core.v1.ProbeArgsDict = {"http_get": {"path": args.probe_path, "port": "http"}, "timeout_seconds": 2}
    annotations = {SECRETS_CHECKSUM: args.secrets_checksum} if args.secrets_checksum is not None else {}
    selector: k8s.meta.v1.LabelSelectorArgsDict = {"match_labels": labels}
    return {
        "replicas": args.min_replicas,
        "selector": {"match_labels": labels},
        "strategy": {"type": "RollingUpdate", "rolling_update": {"max_unavailable": 0, "max_surge": 1}},
        "template": {
            "metadata": {"labels": labels, "annotations": annotations},
            "spec": {
                "service_account_name": account,
                "automount_service_account_token": False,
                "security_context": pod_security_context(APP_USER_ID),
                "termination_grace_period_seconds": args.termination_grace_seconds,
                "topology_spread_constraints": [
                    {"max_skew": 1, "topology_key": "topology.kubernetes.io/zone", "label_selector": selector,
                     "when_unsatisfiable": "DoNotSchedule" if args.zones_strictly else "ScheduleAnyway"},
                    {"max_skew": 1, "topology_key": "kubernetes.io/hostname", "label_selector": selector,
                     "when_unsatisfiable": "ScheduleAnyway"},
                ],
                "containers": [{
                    "name": args.service,
                    "image": args.image,
                    "image_pull_policy": "IfNotPresent",
                    "command": command,
                    "env": env,
                    "ports": [{"name": "http", "container_port": args.port, "protocol": "TCP"}],
                    # The probe path calls no dependency: a Redis or DynamoDB blip never unreadies (or restarts)
                    # every pod at once; the deep check (the catalogue's health_path) is for alerts and people.
                    "startup_probe": {**probe, "period_seconds": 2, "failure_threshold": 30},
                    "readiness_probe": {**probe, "period_seconds": 5, "failure_threshold": 2},
                    "liveness_probe": {**probe, "period_seconds": 10, "failure_threshold": 3},
                    "lifecycle": {"pre_stop": {"sleep": {"seconds": args.pre_stop_seconds}}},
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
    monitoring: Peer = {"namespace_selector": {"match_labels": {
        "kubernetes.io/metadata.name": args.monitoring_namespace}}}
    rule: k8s.networking.v1.NetworkPolicyIngressRuleArgsDict = {"ports": [port]}
    if args.clients is not None:
        rule["from_"] = [*args.clients, monitoring]
    return {"pod_selector": {"match_labels": labels}, "policy_types": ["Ingress", "Egress"],
            "ingress": [rule], "egress": list(args.egress)}
