"""The platform's services and their default local ports: the one place these facts live."""

from __future__ import annotations

DEFAULT_PORTS: dict[str, int] = {
    "gateway": 8080,
    "auth": 8001,
    "user": 8002,
    "inventory": 8003,
    "order": 8004,
    "insights": 8005,
}


def local_url(service: str) -> str:
    return f"http://127.0.0.1:{DEFAULT_PORTS[service]}"
