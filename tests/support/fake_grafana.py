"""A small Grafana on 127.0.0.1: the folder, datasource and dashboard endpoints of its HTTP API, with
their documented answers (401 bad token, 403 read-only token, 404, 409, 412 version conflicts, 400),
and injected failures (``fail``) for the rest (500).

State is plain dicts the tests read and edit; ``requests`` records every (method, path) served, ``received``
every write's body as it arrived, and ``authorizations`` every ``Authorization`` header.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Json = dict[str, Any]
Answer = tuple[int, Json]
VERSION_MISMATCH = (412, {"message": "The dashboard has been changed by someone else", "status": "version-mismatch"})


class FakeGrafana:
    def __init__(self, token: str, *, read_only_token: str = "viewer-token"):
        self.token = token
        self.read_only_token = read_only_token
        self.datasources: dict[str, Json] = {}
        self.folders: dict[str, Json] = {}
        self.dashboards: dict[str, Json] = {}  # uid -> {"dashboard": ..., "folderUid": ...}
        self.requests: list[tuple[str, str]] = []
        self.received: list[tuple[str, str, Json]] = []
        self.authorizations: set[str] = set()
        self.failures: dict[tuple[str, str], int] = {}
        self.edited_after_read: set[str] = set()
        self._ids = iter(range(1, 1_000_000))
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def fail(self, method: str, path: str, status: int) -> None:
        """Answer every ``method path`` with ``status`` from now on."""
        self.failures[method, path] = status

    def writes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.requests if method != "GET"]

    # The API, under the lock.

    def answer(self, method: str, path: str, authorization: str, body: Json) -> Answer:
        with self._lock:
            self.requests.append((method, path))
            self.authorizations.add(authorization)
            if method != "GET":
                self.received.append((method, path, body))
            if authorization != f"Bearer {self.token}" and authorization != f"Bearer {self.read_only_token}":
                return 401, {"message": "invalid API key" if authorization else "Unauthorized"}
            if (method, path) in self.failures:
                return self.failures[method, path], {"message": "Internal Server Error"}
            if method != "GET" and authorization == f"Bearer {self.read_only_token}":
                return 403, {"message": "You'll need additional permissions to perform this action."}
            for pattern_method, pattern, route in self._routes():
                match = re.fullmatch(pattern, path)
                if method == pattern_method and match:
                    return route(body, *match.groups())
            return 404, {"message": "Not found"}

    def _routes(self) -> list[tuple[str, str, Callable[..., Answer]]]:
        return [
            ("GET", r"/api/datasources/uid/([\w-]+)", self._get_datasource),
            ("POST", r"/api/datasources", self._create_datasource),
            ("PUT", r"/api/datasources/uid/([\w-]+)", self._update_datasource),
            ("GET", r"/api/folders/([\w-]+)", self._get_folder),
            ("POST", r"/api/folders", self._create_folder),
            ("PUT", r"/api/folders/([\w-]+)", self._update_folder),
            ("GET", r"/api/dashboards/uid/([\w-]+)", self._get_dashboard),
            ("POST", r"/api/dashboards/db", self._save_dashboard),
        ]

    def _get_datasource(self, _: Json, uid: str) -> Answer:
        found = self.datasources.get(uid)
        return (200, found) if found else (404, {"message": "Data source not found"})

    def _create_datasource(self, body: Json) -> Answer:
        if body.get("uid") in self.datasources or any(d["name"] == body.get("name") for d in self.datasources.values()):
            return 409, {"message": "data source with the same name already exists"}
        stored = {"id": next(self._ids), "orgId": 1, "readOnly": False, "basicAuth": False, "version": 1, **body}
        self.datasources[body["uid"]] = stored
        return 200, {"datasource": stored, "id": stored["id"], "message": "Datasource added", "name": body["name"]}

    def _update_datasource(self, body: Json, uid: str) -> Answer:
        stored = self.datasources.get(uid)
        if stored is None:
            return 404, {"message": "Data source not found"}
        if body.get("version") and body["version"] != stored["version"]:
            return 409, {"message": "Datasource has already been updated by someone else"}
        updated = {**stored, **body, "uid": uid, "version": stored["version"] + 1}
        self.datasources[uid] = updated
        answer = {"datasource": updated, "id": updated["id"], "message": "Datasource updated", "name": updated["name"]}
        return 200, answer

    def _get_folder(self, _: Json, uid: str) -> Answer:
        found = self.folders.get(uid)
        return (200, found) if found else (404, {"message": "folder not found", "status": "not-found"})

    def _create_folder(self, body: Json) -> Answer:
        if not body.get("title"):
            return 400, {"message": "folder title cannot be empty"}
        if body.get("uid") in self.folders:
            return 409, {"message": "a folder with the same uid already exists"}
        stored = {"id": next(self._ids), "uid": body["uid"], "title": body["title"], "version": 1,
                  "url": f"/dashboards/f/{body['uid']}/"}
        self.folders[body["uid"]] = stored
        return 200, stored

    def _update_folder(self, body: Json, uid: str) -> Answer:
        stored = self.folders.get(uid)
        if stored is None:
            return 404, {"message": "folder not found", "status": "not-found"}
        if body.get("version") != stored["version"] and not body.get("overwrite"):
            return 412, {"message": "The folder has been changed by someone else", "status": "version-mismatch"}
        stored.update(title=body["title"], version=stored["version"] + 1)
        return 200, stored

    def _get_dashboard(self, _: Json, uid: str) -> Answer:
        found = self.dashboards.get(uid)
        if found is None:
            return 404, {"message": "Dashboard not found"}
        answer = json.loads(json.dumps(found["dashboard"]))
        if uid in self.edited_after_read:  # someone saves between our read and our write
            found["dashboard"]["version"] += 1
        folder = self.folders.get(found["folderUid"], {})
        meta = {"folderUid": found["folderUid"], "folderTitle": folder.get("title", "Dashboards"),
                "slug": uid, "url": f"/d/{uid}/{uid}", "version": answer["version"], "canSave": True}
        return 200, {"dashboard": answer, "meta": meta}

    def _save_dashboard(self, body: Json) -> Answer:
        dashboard: Json = body.get("dashboard") or {}
        if not dashboard.get("title"):
            return 400, {"message": "Dashboard title cannot be empty", "status": "empty-name"}
        folder_uid = body.get("folderUid", "")
        if folder_uid and folder_uid not in self.folders:
            return 400, {"message": "folder not found"}
        uid = dashboard.get("uid") or f"generated-{len(self.dashboards) + 1}"
        existing = self.dashboards.get(uid)
        version = existing["dashboard"]["version"] if existing else 0
        if existing and dashboard.get("version") != version and not body.get("overwrite"):
            return VERSION_MISMATCH
        clash = [u for u, d in self.dashboards.items()
                 if u != uid and d["folderUid"] == folder_uid and d["dashboard"]["title"] == dashboard["title"]]
        if clash and not body.get("overwrite"):
            return 412, {"message": "A dashboard with the same name in the folder already exists",
                         "status": "name-exists"}
        dashboard_id = existing["dashboard"]["id"] if existing else next(self._ids)
        stored = {**dashboard, "id": dashboard_id, "uid": uid, "version": version + 1}
        self.dashboards[uid] = {"dashboard": stored, "folderUid": folder_uid}
        return 200, {"id": dashboard_id, "uid": uid, "url": f"/d/{uid}/{uid}", "status": "success",
                     "version": version + 1, "slug": uid}


def _handler_for(grafana: FakeGrafana) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            status, answer = grafana.answer(self.command, self.path, self.headers.get("Authorization", ""), body)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read ``requests`` instead."""

    return Handler


@contextmanager
def running_fake_grafana(token: str) -> Iterator[FakeGrafana]:
    grafana = FakeGrafana(token)
    grafana.start()
    try:
        yield grafana
    finally:
        grafana.stop()
