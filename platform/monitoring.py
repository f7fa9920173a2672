"""Monitoring: kube-prometheus-stack, the platform's dashboards and alert rules, a generated Grafana password."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random
from cnop_platform.monitoring_files import read_dashboards, read_rule_groups

DASHBOARD_LABEL = "grafana_dashboard"


@dataclass(frozen=True, kw_only=True)
class MonitoringArgs:
    chart_version: str
    """Pinned kube-prometheus-stack chart version."""
    app_namespace: pulumi.Input[str]
    """Namespace whose apps' ``/metrics`` are scraped."""
    namespace: str = "monitoring"
    """Namespace of Prometheus, Grafana and the operator."""
    chart_repository: str = "https://prometheus-community.github.io/helm-charts"
    """Helm repository of the chart."""
    grafana_service_type: str = "ClusterIP"
    """``NodePort`` only where a local port mapping exposes it (Kind)."""
    grafana_node_port: int | None = None
    """Fixed node port of Grafana when its Service is a NodePort."""
    prometheus_retention: str = "15d"
    """How long Prometheus keeps samples."""
    dashboards_dir: Path | None = None
    """Generated dashboards (``*.json``); absent or empty means none yet."""
    rules_dir: Path | None = None
    """Prometheus rule files (``*.yml``); absent or empty means no PrometheusRule."""


class Monitoring(pulumi.ComponentResource):
    grafana_url: pulumi.Output[str]
    """Grafana's in-cluster URL."""
    grafana_admin_password: pulumi.Output[str]
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
        release = k8s.helm.v3.Release(
            f"{name}-kube-prometheus-stack",
            name="kps",
            chart="kube-prometheus-stack",
            version=args.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=args.chart_repository),
            namespace=ns,
            values=_values(args, admin.metadata.name),
            atomic=True,
            timeout=900,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[admin]),
        )
        after_release = pulumi.ResourceOptions(parent=self, depends_on=[release])
        dashboards = read_dashboards(args.dashboards_dir)
        for slug, body in dashboards.items():
            k8s.core.v1.ConfigMap(f"{name}-dashboard-{slug}", data={f"{slug}.json": body}, opts=child, metadata={
                "name": f"dashboard-{slug}", "namespace": ns, "labels": {DASHBOARD_LABEL: "1"}})
        groups = read_rule_groups(args.rules_dir)
        if groups:
            k8s.apiextensions.CustomResource(
                f"{name}-rules", api_version="monitoring.coreos.com/v1", kind="PrometheusRule",
                metadata={"name": "cnop-rules", "namespace": ns, "labels": {"app.kubernetes.io/part-of": "cnop"}},
                spec={"groups": groups}, opts=after_release,
            )
        k8s.apiextensions.CustomResource(
            f"{name}-apps", api_version="monitoring.coreos.com/v1", kind="ServiceMonitor",
            metadata={"name": "cnop-apps", "namespace": ns, "labels": {"app.kubernetes.io/part-of": "cnop"}},
            spec={
                "namespaceSelector": {"matchNames": [args.app_namespace]},
                "selector": {"matchLabels": {"app.kubernetes.io/part-of": "cnop",
                                             "app.kubernetes.io/component": "api"}},
                "endpoints": [{"port": "http", "path": "/metrics", "interval": "15s"}],
            },
            opts=after_release,
        )
        self.dashboard_count = len(dashboards)
        self.rule_group_count = len(groups)
        self.grafana_admin_password = pulumi.Output.secret(password.result)
        self.grafana_url = pulumi.Output.format("http://kps-grafana.{0}.svc.cluster.local", ns)
        self.register_outputs({"grafana_url": self.grafana_url, "grafana_admin_password": self.grafana_admin_password})


def _values(args: MonitoringArgs, admin_secret: pulumi.Input[str]) -> dict[str, object]:
    grafana_service: dict[str, object] = {"type": args.grafana_service_type}
    if args.grafana_node_port is not None:
        grafana_service["nodePort"] = args.grafana_node_port
    return {
        "fullnameOverride": "kps",
        "grafana": {
            "admin": {"existingSecret": admin_secret, "userKey": "admin-user", "passwordKey": "admin-password"},
            "service": grafana_service,
            "sidecar": {"dashboards": {"enabled": True, "label": DASHBOARD_LABEL, "labelValue": "1",
                                       "searchNamespace": args.namespace}},
        },
        "prometheus": {"prometheusSpec": {
            "retention": args.prometheus_retention,
            # Pick up ServiceMonitors and PrometheusRules without the release's own label.
            "serviceMonitorSelectorNilUsesHelmValues": False,
            "ruleSelectorNilUsesHelmValues": False,
        }},
    }
