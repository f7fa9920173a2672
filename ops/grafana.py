"""``make dashboards-provision``: the Prometheus datasource, the CNOP folder and every dashboard, created
or updated in a running Grafana through its HTTP API.

    GRAFANA_URL=http://127.0.0.1:3000 GRAFANA_TOKEN=<service-account token> python -m ops.grafana
        [--prometheus-url URL]

Idempotent: each object is compared with what Grafana holds and written only when it differs; one line
per object says created, updated or unchanged. Dashboards are saved with the version just read and
without overwrite, so an edit made meanwhile fails the run (412) instead of being silently lost.
The token is read from GRAFANA_TOKEN (or --token) and never printed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dashboards.build import Model, dashboard_models
from dashboards.config import CONFIG
from dashboards.file_provisioning import datasource_settings
from ops.grafana_api import GrafanaClient, GrafanaError, Json

log = logging.getLogger("grafana")

Action = Literal["created", "updated", "unchanged"]
SERVER_MANAGED = ("id", "version")


@dataclass(frozen=True)
class Change:
    kind: str
    uid: str
    action: Action

    def __str__(self) -> str:
        return f"{self.kind} {self.uid}: {self.action}"


def _differs(wanted: Mapping[str, Any], existing: Mapping[str, Any]) -> bool:
    """True when a wanted field differs; fields Grafana adds on its own are not compared."""
    for key, value in wanted.items():
        current = existing.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            if _differs(value, current):
                return True
        elif current != value:
            return True
    return False


def ensure_datasource(client: GrafanaClient, settings: Json) -> Change:
    uid = settings["uid"]
    existing = client.find(f"/api/datasources/uid/{uid}")
    if existing is None:
        client.send("POST", "/api/datasources", settings)
        return Change("datasource", uid, "created")
    if not _differs(settings, existing):
        return Change("datasource", uid, "unchanged")
    client.send("PUT", f"/api/datasources/uid/{uid}", {**settings, "version": existing.get("version", 0)})
    return Change("datasource", uid, "updated")


def ensure_folder(client: GrafanaClient, uid: str, title: str) -> Change:
    existing = client.find(f"/api/folders/{uid}")
    if existing is None:
        client.send("POST", "/api/folders", {"uid": uid, "title": title})
        return Change("folder", uid, "created")
    if existing.get("title") == title:
        return Change("folder", uid, "unchanged")
    client.send("PUT", f"/api/folders/{uid}", {"title": title, "version": existing.get("version", 0)})
    return Change("folder", uid, "updated")


def _stored_content(found: Json) -> Model:
    stored: Model = found.get("dashboard", {})
    return {key: value for key, value in stored.items() if key not in SERVER_MANAGED}


def ensure_dashboard(client: GrafanaClient, model: Model, folder_uid: str) -> Change:
    uid = model["uid"]
    found = client.find(f"/api/dashboards/uid/{uid}")
    if found is not None:
        same_folder = found.get("meta", {}).get("folderUid") == folder_uid
        if same_folder and _stored_content(found) == model:
            return Change("dashboard", uid, "unchanged")
    version = found["dashboard"].get("version", 0) if found is not None else 0
    client.send(
        "POST",
        "/api/dashboards/db",
        {
            "dashboard": {**model, "id": None, "version": version},
            "folderUid": folder_uid,
            "overwrite": False,
            "message": "provisioned by ops/grafana.py (make dashboards-provision)",
        },
    )
    return Change("dashboard", uid, "created" if found is None else "updated")


def provision(client: GrafanaClient, dashboards: Mapping[str, Model], datasource: Json) -> Iterator[Change]:
    """Datasource, folder, then every dashboard, one change at a time; the first error raises GrafanaError."""
    grafana = CONFIG.grafana
    yield ensure_datasource(client, datasource)
    yield ensure_folder(client, grafana.folder_uid, grafana.folder_title)
    for model in dashboards.values():
        yield ensure_dashboard(client, model, grafana.folder_uid)


def summary(changes: list[Change]) -> str:
    counts = {action: sum(c.action == action for c in changes) for action in ("created", "updated", "unchanged")}
    return ", ".join(f"{count} {action}" for action, count in counts.items())


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ops.grafana", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("GRAFANA_URL", ""), help="Grafana's base URL (GRAFANA_URL)")
    parser.add_argument("--token", default=os.environ.get("GRAFANA_TOKEN", ""), help=argparse.SUPPRESS)
    parser.add_argument("--prometheus-url", default=CONFIG.grafana.prometheus_url,
                        help="where Grafana reaches Prometheus (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("set GRAFANA_URL (or --url), e.g. make dashboards-provision GRAFANA_URL=http://127.0.0.1:3000")
    if not args.token:
        parser.error("set GRAFANA_TOKEN to a Grafana service-account token")
    return args


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the changes out
    args = _arguments(argv)
    changes: list[Change] = []
    try:
        with GrafanaClient(args.url, args.token) as client:
            for change in provision(client, dashboard_models(), datasource_settings(args.prometheus_url)):
                changes.append(change)
                print(change)
    except GrafanaError as exc:
        log.error("provisioning failed: %s", exc)
        return 1
    print(f"grafana: {summary(changes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
