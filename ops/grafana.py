"""``make dashboards-provision``: the datasources, the CNOP folder and every dashboard, created or updated in an
existing Grafana through its HTTP API, with the maintained ``grafana-client``.

    GRAFANA_URL=http://127.0.0.1:3000 GRAFANA_TOKEN=<service-account token> python -m ops.grafana
        [--prometheus-url URL] [--tempo-url URL] [--loki-url URL] [--alertmanager-url URL]

The datasources are ``dashboards/datasources.py``'s, the same definition the compose file and the clusters'
Grafana load: Prometheus always, Tempo, Loki and Alertmanager when their URL is given, linked both ways.
Contact points are not provisioned: the platform's alerts are Prometheus rules that Alertmanager routes
(``dashboards/alerting.py``); Grafana shows them through the Alertmanager datasource and notifies no one itself,
so nobody is paged twice.

Idempotent: each object is compared with what Grafana holds and written only when it differs; one line per
object says created, updated or unchanged. Dashboards are saved with the version just read and without
overwrite, so an edit made meanwhile fails the run (412) instead of being silently lost. The token is read from
GRAFANA_TOKEN (or --token) and never printed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from grafana_client.api import GrafanaApi
from grafana_client.client import GrafanaException

from dashboards.build import Model, dashboard_models
from dashboards.config import CONFIG
from dashboards.datasources import Backends, Datasource, datasources

log = logging.getLogger("grafana")

Action = Literal["created", "updated", "unchanged"]
Json = dict[str, Any]
T = TypeVar("T")
SERVER_MANAGED = ("id", "version")
HINTS = {
    401: "the token was refused: check GRAFANA_TOKEN (a service-account token)",
    403: "the token lacks permission: the service account needs the Editor or Admin role",
    409: "another object already uses this name or uid",
    412: "it was changed by someone else meanwhile: run again to compare with the new version",
}


class GrafanaError(Exception):
    """Grafana answered with an error, or could not be reached: the request and why, never the token."""


@dataclass(frozen=True)
class Change:
    kind: str
    uid: str
    action: Action

    def __str__(self) -> str:
        return f"{self.kind} {self.uid}: {self.action}"


def call(method: str, path: str, request: Callable[[], T]) -> T:
    """``request()``, its failure told as ``METHOD /api/path answered STATUS: message (status): hint``."""
    try:
        return request()
    except GrafanaException as exc:
        raise GrafanaError(_answered(method, path, exc)) from None
    except OSError as exc:  # the HTTP library's connection errors are OSErrors
        raise GrafanaError(f"{method} {path} failed: {type(exc).__name__}: {exc}") from None


def find(path: str, request: Callable[[], Json]) -> Json | None:
    """``GET path``; None when Grafana answers 404."""

    def absent_is_none() -> Json | None:
        try:
            return request()
        except GrafanaException as exc:
            if exc.status_code == 404:
                return None
            raise

    return call("GET", path, absent_is_none)


def _answered(method: str, path: str, exc: GrafanaException) -> str:
    if not exc.status_code:  # no answer at all (a time-out, a broken connection)
        return f"{method} {path} failed: {exc.message}"
    body = exc.response if isinstance(exc.response, dict) else {}
    parts = [f"{method} {path} answered {exc.status_code}"]
    if body.get("message"):
        parts.append(str(body["message"]) + (f" ({body['status']})" if body.get("status") else ""))
    if exc.status_code in HINTS:
        parts.append(HINTS[exc.status_code])
    return ": ".join(parts)


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


def ensure_datasource(api: GrafanaApi, settings: Datasource) -> Change:
    uid = settings["uid"]
    path = f"/api/datasources/uid/{uid}"
    existing = find(path, lambda: api.datasource.get_datasource_by_uid(uid))
    if existing is None:
        call("POST", "/api/datasources", lambda: api.datasource.create_datasource(settings))
        return Change("datasource", uid, "created")
    if not _differs(settings, existing):
        return Change("datasource", uid, "unchanged")
    body = {**settings, "version": existing.get("version", 0)}
    call("PUT", path, lambda: api.datasource.update_datasource_by_uid(uid, body))
    return Change("datasource", uid, "updated")


def ensure_folder(api: GrafanaApi, uid: str, title: str) -> Change:
    existing = find(f"/api/folders/{uid}", lambda: api.folder.get_folder(uid))
    if existing is None:
        call("POST", "/api/folders", lambda: api.folder.create_folder(title, uid=uid))
        return Change("folder", uid, "created")
    if existing.get("title") == title:
        return Change("folder", uid, "unchanged")
    call("PUT", f"/api/folders/{uid}",
         lambda: api.folder.update_folder(uid, title=title, version=existing.get("version", 0)))
    return Change("folder", uid, "updated")


def _stored_content(found: Json) -> Model:
    stored: Model = found.get("dashboard", {})
    return {key: value for key, value in stored.items() if key not in SERVER_MANAGED}


def ensure_dashboard(api: GrafanaApi, model: Model, folder_uid: str) -> Change:
    uid = model["uid"]
    found = find(f"/api/dashboards/uid/{uid}", lambda: api.dashboard.get_dashboard(uid))
    if found is not None:
        same_folder = found.get("meta", {}).get("folderUid") == folder_uid
        if same_folder and _stored_content(found) == model:
            return Change("dashboard", uid, "unchanged")
    version = found["dashboard"].get("version", 0) if found is not None else 0
    body = {"dashboard": {**model, "id": None, "version": version}, "folderUid": folder_uid, "overwrite": False,
            "message": "provisioned by ops/grafana.py (make dashboards-provision)"}
    call("POST", "/api/dashboards/db", lambda: api.dashboard.update_dashboard(body))
    return Change("dashboard", uid, "created" if found is None else "updated")


def provision(api: GrafanaApi, dashboards: Mapping[str, Model], sources: Sequence[Datasource]) -> Iterator[Change]:
    """Datasources, folder, then every dashboard, one change at a time; the first error raises GrafanaError."""
    grafana = CONFIG.grafana
    for source in sources:
        yield ensure_datasource(api, source)
    yield ensure_folder(api, grafana.folder_uid, grafana.folder_title)
    for model in dashboards.values():
        yield ensure_dashboard(api, model, grafana.folder_uid)


def connect(url: str, token: str) -> GrafanaApi:
    """A client for Grafana at ``url`` authenticating as ``Authorization: Bearer <token>``."""
    api: GrafanaApi = GrafanaApi.from_url(url=url.rstrip("/"), credential=token, timeout=10.0)
    return api


def summary(changes: list[Change]) -> str:
    counts = {action: sum(c.action == action for c in changes) for action in ("created", "updated", "unchanged")}
    return ", ".join(f"{count} {action}" for action, count in counts.items())


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ops.grafana", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("GRAFANA_URL", ""), help="Grafana's base URL (GRAFANA_URL)")
    parser.add_argument("--token", default=os.environ.get("GRAFANA_TOKEN", ""), help=argparse.SUPPRESS)
    parser.add_argument("--prometheus-url", default=CONFIG.grafana.prometheus_url,
                        help="where Grafana reaches Prometheus (default: %(default)s)")
    for backend in ("tempo", "loki", "alertmanager"):
        parser.add_argument(f"--{backend}-url", help=f"where Grafana reaches {backend.title()}: adds its datasource")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("set GRAFANA_URL (or --url), e.g. make dashboards-provision GRAFANA_URL=http://127.0.0.1:3000")
    if not args.token:
        parser.error("set GRAFANA_TOKEN to a Grafana service-account token")
    return args


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    args = _arguments(argv)
    backends = Backends(prometheus=args.prometheus_url, tempo=args.tempo_url, loki=args.loki_url,
                        alertmanager=args.alertmanager_url)
    changes: list[Change] = []
    api = connect(args.url, args.token)
    try:
        with closing(api.client.s):
            for change in provision(api, dashboard_models(), datasources(backends)):
                changes.append(change)
                print(change)
    except GrafanaError as exc:
        log.error("provisioning failed: %s", exc)
        return 1
    print(f"grafana: {summary(changes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
