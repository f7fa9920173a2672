"""kube-prometheus-stack's Helm values, from ``MonitoringArgs``: what Prometheus keeps and for how long, the labels
every scraped series carries, where alerts go, and a Grafana that loads the platform's own datasources.

Names follow the release's ``fullnameOverride`` (``kps``): ``kps-prometheus``, ``kps-alertmanager``, ``kps-grafana``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

if TYPE_CHECKING:
    from cnop_platform.monitoring import MonitoringArgs

FULLNAME = "kps"
PROMETHEUS_SERVICE_ACCOUNT = f"{FULLNAME}-prometheus"
ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets"
"""Where the Prometheus operator mounts each Secret of ``alertmanagerSpec.secrets`` (a folder per Secret)."""
ALERTMANAGER_SECRET = "alertmanager-receivers"
"""The Secret holding the receivers' keys, mounted into Alertmanager."""
DASHBOARD_LABEL = "grafana_dashboard"
DATASOURCE_LABEL = "grafana_datasource"
"""The label Grafana's sidecars look for on ConfigMaps (kube-prometheus-stack's defaults)."""
EXEMPLAR_STORAGE = "exemplar-storage"


@dataclass(frozen=True, kw_only=True)
class PrometheusStorage:
    """A persistent volume per Prometheus replica, so that restarts and node changes keep the history."""

    size: str
    """The volume's size, e.g. ``100Gi``."""
    storage_class: str = "gp3"
    """The StorageClass (EKS: ``ClusterAddons``'s encrypted gp3)."""
    retention_size: str | None = None
    """Prometheus deletes the oldest blocks past this size (e.g. ``90GB``), before the volume fills."""


@dataclass(frozen=True, kw_only=True)
class RemoteWrite:
    """Every sample also sent to a long-term store (Amazon Managed Service for Prometheus, Mimir...)."""

    url: str
    """The store's remote-write endpoint."""
    aws_workspace_arn: str | None = None
    """An Amazon Managed Service for Prometheus workspace: the requests are SigV4-signed with the credentials Pod
    Identity gives Prometheus, whose role may ``aps:RemoteWrite`` to this workspace only."""

    @property
    def sigv4_region(self) -> str | None:
        return self.aws_workspace_arn.split(":")[3] if self.aws_workspace_arn else None


def amp_remote_write(workspace_arn: str) -> RemoteWrite:
    """Remote write to an Amazon Managed Service for Prometheus workspace, from its ARN
    (``arn:aws:aps:<region>:<account>:workspace/<id>``)."""
    region, workspace = workspace_arn.split(":")[3], workspace_arn.rsplit("/", 1)[1]
    return RemoteWrite(url=f"https://aps-workspaces.{region}.amazonaws.com/workspaces/{workspace}/api/v1/remote_write",
                       aws_workspace_arn=workspace_arn)


def remote_write_policy(workspace_arn: str) -> str:
    """Prometheus' role: remote write to the one workspace, nothing else."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "RemoteWrite", "Effect": "Allow", "Action": ["aps:RemoteWrite"], "Resource": workspace_arn}]})


@dataclass(frozen=True, kw_only=True)
class Alerting:
    """Alertmanager's whole configuration, and the secrets it reads from files."""

    config: Mapping[str, Any]
    """``dashboards.alerting.alertmanager_config(...)``; receivers name their secrets by ``*_file`` paths."""
    secrets: Mapping[str, pulumi.Input[str]]
    """File name -> secret value: one Secret, mounted under ``ALERTMANAGER_SECRETS_DIR/<its name>/``."""


def receiver_secret_file(key: str) -> str:
    """Where Alertmanager reads the receivers' secret ``key`` (a ``*_file`` field's value)."""
    return f"{ALERTMANAGER_SECRETS_DIR}/{ALERTMANAGER_SECRET}/{key}"


def scrape_class(labels: Mapping[str, str]) -> dict[str, object]:
    """The default scrape class: every ServiceMonitor, PodMonitor and Probe (the chart's own included) sets
    ``labels`` on its targets, so the series Grafana queries carry them, not only remote-written ones."""
    return {"name": "cnop", "default": True,
            "relabelings": [{"targetLabel": name, "replacement": value, "action": "replace"}
                            for name, value in sorted(labels.items())]}


def prometheus_spec(args: MonitoringArgs) -> dict[str, object]:
    spec: dict[str, object] = {
        "retention": args.prometheus_retention,
        "enableFeatures": [EXEMPLAR_STORAGE],  # the latency histograms carry trace ids (exemplars)
        "externalLabels": dict(args.scrape_labels),  # alerts and remote-written series say where they come from
        "scrapeClasses": [scrape_class(args.scrape_labels)],
        # Pick up ServiceMonitors and PrometheusRules without the release's own label.
        "serviceMonitorSelectorNilUsesHelmValues": False,
        "ruleSelectorNilUsesHelmValues": False,
        "additionalScrapeConfigs": list(args.additional_scrape_configs),
    }
    if args.prometheus_storage is not None:
        storage = args.prometheus_storage
        spec["storageSpec"] = {"volumeClaimTemplate": {"spec": {
            "storageClassName": storage.storage_class, "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": storage.size}}}}}
        if storage.retention_size is not None:
            spec["retentionSize"] = storage.retention_size
    if args.remote_write is not None:
        target: dict[str, object] = {"url": args.remote_write.url}
        if args.remote_write.sigv4_region is not None:
            target["sigv4"] = {"region": args.remote_write.sigv4_region}
        spec["remoteWrite"] = [target]
    return spec


def grafana_values(args: MonitoringArgs, admin_secret: pulumi.Input[str]) -> dict[str, object]:
    service: dict[str, object] = {"type": args.grafana_service_type}
    if args.grafana_node_port is not None:
        service["nodePort"] = args.grafana_node_port
    return {
        "admin": {"existingSecret": admin_secret, "userKey": "admin-user", "passwordKey": "admin-password"},
        "service": service,
        "sidecar": {
            "dashboards": {"enabled": True, "label": DASHBOARD_LABEL, "labelValue": "1",
                           "searchNamespace": args.namespace},
            # The platform's datasources only (a ConfigMap of ``Monitoring``): the chart's own Prometheus and
            # Alertmanager datasources would be a second default and unlinked duplicates.
            "datasources": {"enabled": True, "label": DATASOURCE_LABEL, "labelValue": "1",
                            "defaultDatasourceEnabled": False, "alertmanager": {"enabled": False}},
        },
    }


def chart_values(args: MonitoringArgs, admin_secret: pulumi.Input[str],
                 alertmanager_secrets: Sequence[pulumi.Input[str]]) -> dict[str, object]:
    """The release's values; ``alertmanager_secrets`` are the names of the Secrets its receivers read."""
    return {
        "fullnameOverride": FULLNAME,
        "alertmanager": {
            **({"config": dict(args.alerting.config)} if args.alerting is not None else {}),
            "alertmanagerSpec": {"secrets": list(alertmanager_secrets)},
        },
        "grafana": grafana_values(args, admin_secret),
        "prometheus": {
            "serviceAccount": {"create": True, "name": PROMETHEUS_SERVICE_ACCOUNT},
            "prometheusSpec": prometheus_spec(args),
        },
    }


def in_cluster_urls(namespace: str) -> dict[str, str]:
    """Prometheus', Alertmanager's and Grafana's addresses inside the cluster."""
    def url(component: str, port: int) -> str:
        return f"http://{FULLNAME}-{component}.{namespace}.svc.cluster.local:{port}"

    return {"prometheus": url("prometheus", 9090), "alertmanager": url("alertmanager", 9093),
            "grafana": f"http://{FULLNAME}-grafana.{namespace}.svc.cluster.local"}
