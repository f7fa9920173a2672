"""LoadGenerator: the cluster's Locust, as Job templates that ``make loadtest TARGET=<stack>`` starts.

Per profile, two CronJobs that never fire (suspended): Kubernetes' own template of a Job, which
``kubectl create job --from=cronjob/...`` turns into a run; Pulumi cannot run a Job twice, a template it can
keep. The master (headless, the profile's users, spawn rate and run time or load shape) holds its results
in an emptyDir until they are copied out; the workers are a Job of ``workers`` pods. A headless Service lets
the workers find the master, and three NetworkPolicies open exactly master <-> workers and workers ->
gateway in a namespace that denies everything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
from cnop_platform.appservice import APP_USER_ID
from cnop_platform.pod_security import container_security_context, pod_security_context

NEVER = "0 0 31 2 *"
"""A schedule with no date (31 February): the CronJobs are templates, and suspended besides."""
PROFILE_LABEL = "cnop.io/loadtest-profile"


@dataclass(frozen=True, kw_only=True)
class LoadProfileJobs:
    """One profile's Jobs: the commands are built by ``ops.loadtest`` (``LocustJob``), the one place they are
    written."""

    name: str
    """The profile's name in ``loadtests/profiles.toml``."""
    master_command: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The master's command: Locust in headless master mode under the pod supervisor."""
    worker_command: Sequence[str]
    """A worker's command: Locust in worker mode under the pod supervisor."""
    deadline_s: int
    """The master Job's ``activeDeadlineSeconds``: the run, start-up and reports, and the wait for collection."""


@dataclass(frozen=True, kw_only=True)
class LoadGeneratorArgs:
    namespace: pulumi.Input[str]
    """The apps' namespace (the gateway is reached there)."""
    image: pulumi.Input[str]
    """The load image (the Dockerfile's ``loadtest`` target), pinned."""
    profiles: Sequence[LoadProfileJobs]
    """The profiles this stack can run."""
    gateway_labels: Mapping[str, str]
    """The gateway pods' labels: the only pods the workers may reach."""
    gateway_port: int
    """The gateway's container port."""
    allowed_host: pulumi.Input[str]
    """The one host besides 127.0.0.1 the locustfiles send traffic to (``CNOP_LOADTEST_ALLOWED_HOST``)."""
    master_port: int
    """Where the master listens for its workers."""
    probe_port: int
    """Where the pod supervisor answers ``/healthz`` and ``/readyz``."""
    results_dir: str
    """The master's results folder, an emptyDir."""
    master_service: str
    """The headless Service's name: the host the workers' command names."""
    workers: int = 2
    """Worker pods per run."""
    master_cpu: str = "500m"
    """The master's CPU request and limit."""
    master_memory: str = "512Mi"
    """The master's memory request and limit."""
    worker_cpu: str = "1"
    """Each worker's CPU request and limit: a worker's gevent loop uses one core at most."""
    worker_memory: str = "512Mi"
    """Each worker's memory request and limit."""
    finished_jobs_ttl_s: int = 3600
    """Finished runs' Jobs are removed after this, should the runner not have done it."""
    labels: Mapping[str, str] = field(default_factory=lambda: {"app.kubernetes.io/part-of": "cnop"})
    """Put on every object besides the role labels."""


class LoadGenerator(pulumi.ComponentResource):
    master_service: pulumi.Output[str]
    """The headless Service the workers reach the master by."""
    cronjobs: dict[str, dict[str, pulumi.Output[str]]]
    """Per profile, the ``master`` and ``workers`` CronJobs' names."""

    def __init__(self, name: str, args: LoadGeneratorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:LoadGenerator", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        master = {**args.labels, "app.kubernetes.io/name": f"{name}-master", "app.kubernetes.io/component": "loadtest"}
        workers = {**master, "app.kubernetes.io/name": f"{name}-worker"}
        meta = {"namespace": args.namespace, "labels": {**args.labels, "app.kubernetes.io/component": "loadtest"}}

        account = k8s.core.v1.ServiceAccount(f"{name}-sa", automount_service_account_token=False, opts=child,
                                             metadata={**meta, "name": name})
        service = k8s.core.v1.Service(f"{name}-master", opts=child, metadata={**meta, "name": args.master_service},
                                      spec={
            "cluster_ip": "None",
            # The master turns Ready only when its results can be copied: the workers must find it before.
            "publish_not_ready_addresses": True,
            "selector": {"app.kubernetes.io/name": master["app.kubernetes.io/name"]},
            "ports": [{"name": "locust", "port": args.master_port, "target_port": args.master_port,
                       "protocol": "TCP"}],
        })
        _network_policies(name, args, master, workers, child)

        self.cronjobs = {}
        for profile in args.profiles:
            pods = {role: {**labels, PROFILE_LABEL: profile.name} for role, labels in
                    (("master", master), ("workers", workers))}
            jobs = {
                "master": _job_spec(args, pods["master"], account.metadata.name, _master_pod(args, profile),
                                    completions=1, deadline_s=profile.deadline_s),
                "workers": _job_spec(args, pods["workers"], account.metadata.name, _worker_pod(args, profile),
                                     completions=args.workers, deadline_s=profile.deadline_s),
            }
            self.cronjobs[profile.name] = {
                role: k8s.batch.v1.CronJob(
                    f"{name}-{profile.name}-{role}", opts=child,
                    metadata={"namespace": args.namespace, "labels": pods[role],
                              "name": f"{name}-{profile.name}-{role}"},
                    spec={"schedule": NEVER, "suspend": True, "concurrency_policy": "Forbid",
                          "successful_jobs_history_limit": 1, "failed_jobs_history_limit": 1,
                          "job_template": {"metadata": {"labels": pods[role]}, "spec": job}},
                ).metadata.name
                for role, job in jobs.items()
            }
        self.master_service = service.metadata.name
        self.register_outputs({"master_service": self.master_service, "cronjobs": self.cronjobs})


def _job_spec(args: LoadGeneratorArgs, labels: dict[str, str], account: pulumi.Input[str],
              container: k8s.core.v1.ContainerArgsDict, *, completions: int,
              deadline_s: int) -> k8s.batch.v1.JobSpecArgsDict:
    return {
        "completions": completions,
        "parallelism": completions,
        "backoff_limit": 0,  # a failed run is a verdict, not something to retry
        "active_deadline_seconds": deadline_s,
        "ttl_seconds_after_finished": args.finished_jobs_ttl_s,
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "service_account_name": account,
                "automount_service_account_token": False,
                "restart_policy": "Never",
                "security_context": pod_security_context(APP_USER_ID),
                "containers": [container],
                "volumes": [{"name": "tmp", "empty_dir": {"size_limit": "64Mi"}},
                            {"name": "results", "empty_dir": {"size_limit": "256Mi"}}],
            },
        },
    }


def _container(args: LoadGeneratorArgs, name: str, command: pulumi.Input[Sequence[pulumi.Input[str]]],
               cpu: str, memory: str) -> k8s.core.v1.ContainerArgsDict:
    probe: k8s.core.v1.ProbeArgsDict = {"http_get": {"path": "/healthz", "port": "probes"}, "period_seconds": 10,
                                        "timeout_seconds": 2}
    return {
        "name": name,
        "image": args.image,
        "image_pull_policy": "IfNotPresent",
        "command": command,
        "env": [{"name": "CNOP_LOADTEST_ALLOWED_HOST", "value": args.allowed_host}],
        "ports": [{"name": "probes", "container_port": args.probe_port, "protocol": "TCP"}],
        "liveness_probe": {**probe, "failure_threshold": 3},
        "readiness_probe": {**probe, "http_get": {"path": "/readyz", "port": "probes"}, "failure_threshold": 1},
        "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu, "memory": memory}},
        "security_context": container_security_context(),
        "volume_mounts": [{"name": "tmp", "mount_path": "/tmp"}, {"name": "results", "mount_path": args.results_dir}],
    }


def _master_pod(args: LoadGeneratorArgs, profile: LoadProfileJobs) -> k8s.core.v1.ContainerArgsDict:
    container = _container(args, "master", profile.master_command, args.master_cpu, args.master_memory)
    container["ports"] = [*container.get("ports", []),
                          {"name": "locust", "container_port": args.master_port, "protocol": "TCP"}]
    return container


def _worker_pod(args: LoadGeneratorArgs, profile: LoadProfileJobs) -> k8s.core.v1.ContainerArgsDict:
    return _container(args, "worker", list(profile.worker_command), args.worker_cpu, args.worker_memory)


def _network_policies(name: str, args: LoadGeneratorArgs, master: dict[str, str], workers: dict[str, str],
                      opts: pulumi.ResourceOptions) -> None:
    """master <- workers on the master port; workers -> master and the gateway; gateway <- workers (policies
    add up: the gateway's own policy stays as it is)."""
    def peer(labels: Mapping[str, str]) -> k8s.networking.v1.NetworkPolicyPeerArgsDict:
        return {"pod_selector": {"match_labels": {"app.kubernetes.io/name": labels["app.kubernetes.io/name"]}}}

    locust: k8s.networking.v1.NetworkPolicyPortArgsDict = {"protocol": "TCP", "port": args.master_port}
    gateway: k8s.networking.v1.NetworkPolicyPortArgsDict = {"protocol": "TCP", "port": args.gateway_port}
    policies: dict[str, k8s.networking.v1.NetworkPolicySpecArgsDict] = {
        "master": {"pod_selector": peer(master)["pod_selector"], "policy_types": ["Ingress", "Egress"],
                   "ingress": [{"from_": [peer(workers)], "ports": [locust]}], "egress": []},
        "workers": {"pod_selector": peer(workers)["pod_selector"], "policy_types": ["Ingress", "Egress"],
                    "ingress": [], "egress": [{"to": [peer(master)], "ports": [locust]},
                                              {"to": [{"pod_selector": {"match_labels": dict(args.gateway_labels)}}],
                                               "ports": [gateway]}]},
        "to-gateway": {"pod_selector": {"match_labels": dict(args.gateway_labels)}, "policy_types": ["Ingress"],
                       "ingress": [{"from_": [peer(workers)], "ports": [gateway]}]},
    }
    for policy, spec in policies.items():
        k8s.networking.v1.NetworkPolicy(f"{name}-{policy}", opts=opts, spec=spec, metadata={
            "name": f"{name}-{policy}", "namespace": args.namespace, "labels": dict(args.labels)})
