"""Grafana's datasources, defined once: Prometheus, Alertmanager, Tempo and Loki, linked both ways.

- a latency exemplar's ``trace_id`` opens its trace (Prometheus -> Tempo);
- a span opens the log lines of its service that carry its trace id (Tempo -> Loki, by the ``service`` label
  every log shipper sets: the compose file's Alloy, the cluster's);
- a log line's ``trace_id`` opens its trace (Loki -> Tempo).

Three consumers, one definition: the compose file's Grafana (file provisioning, ``make dashboards`` writes it),
the cluster's Grafana (a ConfigMap its sidecar loads, ``platform/monitoring.py``) and any Grafana reached over its
HTTP API (``make dashboards-provision``, ``ops/grafana.py``). Only the addresses differ (``Backends``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboards.config import CONFIG

Datasource = dict[str, Any]
TRACE_ID_IN_LOG_LINE = r'"trace_id": "([0-9a-f]{32})"'
"""How the apps' JSON log lines spell a trace id (``apps/common/logs.py``)."""
SERVICE_LABEL = "service"
"""The log label naming the service, the value of its spans' ``service.name``."""


@dataclass(frozen=True, kw_only=True)
class Backends:
    """Where Grafana reaches each backend; a backend left unset has no datasource (and no link to it)."""

    prometheus: str
    """Prometheus' base URL."""
    tempo: str | None = None
    """Tempo's HTTP API."""
    loki: str | None = None
    """Loki's HTTP API."""
    alertmanager: str | None = None
    """Alertmanager's base URL."""


COMPOSE = Backends(prometheus=CONFIG.grafana.prometheus_url, tempo="http://tempo:3200", loki="http://loki:3100")
"""The compose file's services, by their names on its network."""


def _prometheus(backends: Backends) -> Datasource:
    json_data: dict[str, Any] = {"httpMethod": "POST", "timeInterval": CONFIG.grafana.scrape_interval}
    if backends.tempo:
        json_data["exemplarTraceIdDestinations"] = [
            {"name": CONFIG.grafana.exemplar_trace_label, "datasourceUid": CONFIG.grafana.traces_datasource_uid}]
    return {"name": CONFIG.grafana.datasource_name, "uid": CONFIG.grafana.datasource_uid, "type": "prometheus",
            "access": "proxy", "url": backends.prometheus, "isDefault": True, "jsonData": json_data}


def _tempo(url: str, backends: Backends) -> Datasource:
    json_data: dict[str, Any] = {"nodeGraph": {"enabled": True}}
    if backends.loki:
        logs = CONFIG.grafana.logs_datasource_uid
        json_data["tracesToLogsV2"] = {
            "datasourceUid": logs, "tags": [{"key": "service.name", "value": SERVICE_LABEL}],
            "filterByTraceID": True, "spanStartTimeShift": "-1m", "spanEndTimeShift": "1m"}
        json_data["lokiSearch"] = {"datasourceUid": logs}
    return {"name": "Tempo (CNOP)", "uid": CONFIG.grafana.traces_datasource_uid, "type": "tempo", "access": "proxy",
            "url": url, "jsonData": json_data}


def _loki(url: str, backends: Backends) -> Datasource:
    json_data: dict[str, Any] = {}
    if backends.tempo:
        json_data["derivedFields"] = [{
            "name": "trace_id", "matcherRegex": TRACE_ID_IN_LOG_LINE,
            "datasourceUid": CONFIG.grafana.traces_datasource_uid, "url": "${__value.raw}",
            "urlDisplayLabel": "Trace"}]
    return {"name": "Loki (CNOP)", "uid": CONFIG.grafana.logs_datasource_uid, "type": "loki", "access": "proxy",
            "url": url, "jsonData": json_data}


def _alertmanager(url: str) -> Datasource:
    return {"name": "Alertmanager (CNOP)", "uid": CONFIG.grafana.alertmanager_datasource_uid, "type": "alertmanager",
            "access": "proxy", "url": url,
            # Prometheus' Alertmanager: Grafana shows its alerts and silences; Grafana's own alerts stay out of it.
            "jsonData": {"implementation": "prometheus", "handleGrafanaManagedAlerts": False}}


def datasources(backends: Backends) -> list[Datasource]:
    """Every datasource ``backends`` allows, as Grafana's HTTP API takes them (Prometheus first, the default)."""
    found = [_prometheus(backends)]
    if backends.tempo:
        found.append(_tempo(backends.tempo, backends))
    if backends.loki:
        found.append(_loki(backends.loki, backends))
    if backends.alertmanager:
        found.append(_alertmanager(backends.alertmanager))
    return found


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, Mapping):
        return {key: _escaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    return value


def provisioning_file(backends: Backends) -> dict[str, object]:
    """Grafana's datasource provisioning file: read-only datasources, every ``$`` written ``$$`` (a provisioning
    file expands ``$NAME`` from the environment, the HTTP API does not)."""
    return {"apiVersion": 1,
            "datasources": [{**_escaped(source), "editable": False} for source in datasources(backends)]}
