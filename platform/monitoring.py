"""Monitoring: kube-prometheus-stack (Prometheus, Alertmanager, Grafana and the operator), the platform's
dashboards, datasources and rules, the deploy marker, and where alerts go.

Prometheus keeps its history on a volume for as long as the SLO windows look back (or longer), stamps every
scraped series with the stack's labels, stores exemplars and may remote-write everything (SigV4 through Pod
Identity). Alertmanager's receivers read their keys from a Secret it mounts, so no key is in the Helm values.
Grafana loads the platform's datasources (``dashboards/datasources.py``) and dashboards from labelled ConfigMaps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random
import yaml
from cnop_platform.helm import pinned_release
from cnop_platform.monitoring_files import read_dashboards
from cnop_platform.monitoring_values import (
    ALERTMANAGER_SECRET,
    DASHBOARD_LABEL,
    DATASOURCE_LABEL,
    FULLNAME,
    PROMETHEUS_SERVICE_ACCOUNT,
    Alerting,
    PrometheusStorage,
    RemoteWrite,
    chart_values,
    in_cluster_urls,
    remote_write_policy,
)
from cnop_platform.pod_identity import PodIdentity, pod_role

PART_OF = {"app.kubernetes.io/part-of": "cnop"}


@dataclass(frozen=True, kw_only=True)
class MonitoringArgs:
    chart_version: str
    """Pinned kube-prometheus-stack chart version."""
    app_namespace: pulumi.Input[str]
    """Namespace whose apps' ``/metrics`` are scraped."""
    namespace: str = "monitoring"
    """Namespace of Prometheus, Grafana, the operator and every other monitoring component."""
    chart_repository: str = "https://prometheus-community.github.io/helm-charts"
    """Helm repository of the chart."""
    grafana_service_type: str = "ClusterIP"
    """``NodePort`` only where a local port mapping exposes it (Kind)."""
    grafana_node_port: int | None = None
    """Fixed node port of Grafana when its Service is a NodePort."""
    prometheus_retention: str = "15d"
    """How long Prometheus keeps samples."""
    prometheus_storage: PrometheusStorage | None = None
    """A volume for Prometheus' data; None keeps it in the pod (lost with it: Kind)."""
    remote_write: RemoteWrite | None = None
    """A long-term store every sample is also sent to."""
    identity: PodIdentity | None = None
    """The cluster Prometheus' role trusts, for a remote write to an AWS workspace (EKS)."""
    scrape_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels every scraped series carries (``environment``, ``cluster``), and every alert and remote write."""
    additional_scrape_configs: Sequence[pulumi.Input[Mapping[str, Any]]] = ()
    """Plain Prometheus scrape jobs beside the ServiceMonitors (the synthetic probes)."""
    alerting: Alerting | None = None
    """Alertmanager's configuration and its receivers' secrets; None keeps the chart's (no receiver)."""
    rule_groups: Sequence[Mapping[str, Any]] = ()
    """The platform's recording and alerting rule groups (one PrometheusRule)."""
    deploy_marker: Mapping[str, Any] | None = None
    """This deploy's marker group (``dashboards.deploys``), a PrometheusRule of its own that each deploy replaces."""
    datasources: Mapping[str, Any] | None = None
    """Grafana's datasource provisioning file (``dashboards.datasources.provisioning_file``)."""
    dashboards_dir: Path | None = None
    """Generated dashboards (``*.json``); absent or empty means none yet."""


@dataclass(frozen=True)
class _Rule:
    name: str
    groups: Sequence[Mapping[str, Any]]


class Monitoring(pulumi.ComponentResource):
    grafana_url: pulumi.Output[str]
    """Grafana's in-cluster URL."""
    grafana_admin_password: pulumi.Output[str]
    namespace: pulumi.Output[str]
    """The monitoring namespace, once it exists."""
    release: k8s.helm.v3.Release
    """What needs the operator's custom resources (ServiceMonitors, PrometheusRules) waits for this."""
    dashboard_count: int
    rule_group_count: int

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # node-exporter needs the host's network and PID namespaces: this namespace cannot be "restricted".
        namespace = k8s.core.v1.Namespace(f"{name}-namespace", opts=child, metadata={
            "name": args.namespace, "labels": {"pod-security.kubernetes.io/enforce": "privileged"}})
        ns = namespace.metadata.name
        password = random.RandomPassword(f"{name}-grafana-admin", length=32, special=False, opts=child)
        admin = k8s.core.v1.Secret(
            f"{name}-grafana-admin", metadata={"name": "grafana-admin", "namespace": ns}, type="Opaque",
            string_data={"admin-user": "admin", "admin-password": password.result}, opts=child,
        )
        before_release: list[pulumi.Resource] = [admin]
        secret_names: list[pulumi.Input[str]] = []
        if args.alerting is not None and args.alerting.secrets:
            receivers = k8s.core.v1.Secret(
                f"{name}-alertmanager-receivers", type="Opaque", opts=child,
                metadata={"name": ALERTMANAGER_SECRET, "namespace": ns, "labels": PART_OF},
                string_data={key: pulumi.Output.secret(value) for key, value in sorted(args.alerting.secrets.items())})
            before_release.append(receivers)
            secret_names.append(receivers.metadata.name)
        if args.remote_write is not None and args.remote_write.aws_workspace_arn is not None:
            before_release.append(self._remote_write_role(name, args.remote_write.aws_workspace_arn, args, ns))
        self.release = pinned_release(
            f"{name}-kube-prometheus-stack",
            release=FULLNAME,
            chart="kube-prometheus-stack",
            version=args.chart_version,
            repository=args.chart_repository,
            namespace=ns,
            values=chart_values(args, admin.metadata.name, secret_names),
            timeout=900,
            opts=pulumi.ResourceOptions(parent=self, depends_on=before_release),
        )
        dashboards = read_dashboards(args.dashboards_dir)
        for slug, body in dashboards.items():
            k8s.core.v1.ConfigMap(f"{name}-dashboard-{slug}", data={f"{slug}.json": body}, opts=child, metadata={
                "name": f"dashboard-{slug}", "namespace": ns, "labels": {DASHBOARD_LABEL: "1"}})
        if args.datasources is not None:
            k8s.core.v1.ConfigMap(f"{name}-datasources", opts=child, metadata={
                "name": "cnop-datasources", "namespace": ns, "labels": {DATASOURCE_LABEL: "1", **PART_OF}},
                data={"cnop-datasources.yaml": yaml.safe_dump(dict(args.datasources), sort_keys=False)})
        self._rules(name, args, ns)
        self._app_monitor(name, args, ns)
        self.dashboard_count = len(dashboards)
        self.rule_group_count = len(args.rule_groups)
        self.namespace = ns
        self.grafana_admin_password = pulumi.Output.secret(password.result)
        self.grafana_url = pulumi.Output.from_input(in_cluster_urls(args.namespace)["grafana"])
        self.register_outputs({"grafana_url": self.grafana_url, "grafana_admin_password": self.grafana_admin_password,
                               "namespace": self.namespace})

    def _remote_write_role(self, name: str, workspace_arn: str, args: MonitoringArgs,
                           namespace: pulumi.Input[str]) -> pulumi.Resource:
        if args.identity is None:
            raise ValueError("a remote write to an AWS workspace needs the cluster's Pod Identity (EKS)")
        return pod_role(f"{name}-remote-write", args.identity, namespace=namespace,
                        service_account=PROMETHEUS_SERVICE_ACCOUNT, policy=remote_write_policy(workspace_arn),
                        parent=self).ready

    def _rules(self, name: str, args: MonitoringArgs, namespace: pulumi.Input[str]) -> None:
        after_release = pulumi.ResourceOptions(parent=self, depends_on=[self.release])
        rules = [_Rule("cnop-rules", args.rule_groups)]
        if args.deploy_marker is not None:
            rules.append(_Rule("cnop-deploys", [args.deploy_marker]))
        for rule in rules:
            if rule.groups:
                k8s.apiextensions.CustomResource(
                    f"{name}-{rule.name.removeprefix('cnop-')}", api_version="monitoring.coreos.com/v1",
                    kind="PrometheusRule", metadata={"name": rule.name, "namespace": namespace, "labels": PART_OF},
                    spec={"groups": [dict(group) for group in rule.groups]}, opts=after_release)

    def _app_monitor(self, name: str, args: MonitoringArgs, namespace: pulumi.Input[str]) -> None:
        k8s.apiextensions.CustomResource(
            f"{name}-apps", api_version="monitoring.coreos.com/v1", kind="ServiceMonitor",
            metadata={"name": "cnop-apps", "namespace": namespace, "labels": PART_OF},
            spec={
                "namespaceSelector": {"matchNames": [args.app_namespace]},
                "selector": {"matchLabels": {**PART_OF, "app.kubernetes.io/component": "api"}},
                "endpoints": [{"port": "http", "path": "/metrics", "interval": "15s"}],
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.release]),
        )
