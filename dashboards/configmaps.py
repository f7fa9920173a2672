"""The dashboards as Kubernetes ConfigMap contents, for the Pulumi Monitoring component.

Grafana's dashboard sidecar (kube-prometheus-stack, grafana Helm chart) loads every ConfigMap labelled
``grafana_dashboard: "1"``; the ``grafana_folder`` annotation names the folder it lands in.
"""

from __future__ import annotations

from typing import TypedDict

from dashboards.build import dashboard_models, to_json
from dashboards.config import CONFIG

SIDECAR_LABEL = {"grafana_dashboard": "1"}


class DashboardConfigMap(TypedDict):
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]
    data: dict[str, str]


def dashboard_configmaps() -> list[DashboardConfigMap]:
    """One ConfigMap per dashboard: ``grafana-dashboard-<uid>`` holding ``<uid>.json``."""
    return [
        DashboardConfigMap(
            name=f"grafana-dashboard-{uid}",
            labels=dict(SIDECAR_LABEL),
            annotations={"grafana_folder": CONFIG.grafana.folder_title},
            data={f"{uid}.json": to_json(model)},
        )
        for uid, model in dashboard_models().items()
    ]
