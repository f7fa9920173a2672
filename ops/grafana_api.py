"""A small client for Grafana's HTTP API (folders, datasources, dashboards) with readable errors.

Authenticates with a service-account token as ``Authorization: Bearer``; the token lives only in the
client's headers and never appears in a message.
"""

from __future__ import annotations

from typing import Any

import httpx

Json = dict[str, Any]

_HINTS = {
    401: "the token was refused: check GRAFANA_TOKEN (a service-account token)",
    403: "the token lacks permission: the service account needs the Editor or Admin role",
    409: "another object already uses this name or uid",
    412: "it was changed by someone else meanwhile: run again to compare with the new version",
}


class GrafanaError(Exception):
    """Grafana answered with an error, or could not be reached."""


def error_message(method: str, path: str, response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail = body.get("message") if isinstance(body, dict) else None
    status = body.get("status") if isinstance(body, dict) else None
    parts = [f"{method} {path} answered {response.status_code}"]
    if detail:
        parts.append(f"{detail}" + (f" ({status})" if status else ""))
    if response.status_code in _HINTS:
        parts.append(_HINTS[response.status_code])
    return ": ".join(parts)


class GrafanaClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0):
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
        )

    def __enter__(self) -> GrafanaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, body: Json | None = None) -> httpx.Response:
        try:
            return self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise GrafanaError(f"{method} {path} failed: {type(exc).__name__}: {exc}") from None

    def find(self, path: str) -> Json | None:
        """GET ``path``; None when Grafana answers 404."""
        response = self._request("GET", path)
        if response.status_code == 404:
            return None
        return self._json("GET", path, response)

    def send(self, method: str, path: str, body: Json) -> Json:
        return self._json(method, path, self._request(method, path, body))

    @staticmethod
    def _json(method: str, path: str, response: httpx.Response) -> Json:
        if response.status_code >= 400:
            raise GrafanaError(error_message(method, path, response))
        try:
            parsed = response.json()
        except ValueError:
            raise GrafanaError(f"{method} {path} answered {response.status_code} without JSON") from None
        if not isinstance(parsed, dict):
            raise GrafanaError(f"{method} {path} answered {response.status_code} with unexpected JSON")
        return parsed
