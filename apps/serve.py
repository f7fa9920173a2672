"""Runs one app the one way every launcher does: ``python -m apps.serve <app> --host <address> --port <port>``.

uvicorn with the app's factory and the guarded HTTP protocol (read deadlines, connection cap: ``SERVER_*``
settings, apps/common/server_protocol.py). No proxy-header rewriting: the gateway alone decides whose
X-Forwarded-For to believe (GATEWAY_TRUSTED_PROXIES). No uvicorn access log: the apps log their own requests.
"""

from __future__ import annotations

import argparse
import logging
import resource
from collections.abc import Sequence

import uvicorn

from apps.common.server_protocol import guarded_protocol
from apps.common.server_settings import ServerSettings
from apps.common.services import names, service

STARTUP_FAILURE = 3  # uvicorn's own exit code when the server could not start

log = logging.getLogger(__name__)


def server_config(app: str, host: str, port: int, settings: ServerSettings) -> uvicorn.Config:
    return uvicorn.Config(
        f"apps.{app}.main:create_app", factory=True, host=host, port=port,
        http=guarded_protocol(settings), timeout_keep_alive=settings.keep_alive_seconds,
        proxy_headers=False, access_log=False, log_level="warning",
    )


def allow_open_files_for(max_connections: int) -> None:
    """Raises the soft open-files limit to the hard one (as Go's runtime does): some container runtimes start
    processes at 1024, which would refuse connections long before the connection cap."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard <= max_connections:
        log.warning("open files are limited to %d: SERVER_MAX_CONNECTIONS=%d cannot be reached",
                    hard, max_connections)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apps.serve", description="Runs one app of the platform.")
    parser.add_argument("app", choices=names())
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, help="default: the app's port in the catalogue (apps/common/services.py)")
    args = parser.parse_args(argv)
    port: int = service(args.app).port if args.port is None else args.port
    settings = ServerSettings()
    allow_open_files_for(settings.max_connections)
    server = uvicorn.Server(server_config(args.app, args.host, port, settings))
    server.run()
    return 0 if server.started else STARTUP_FAILURE


if __name__ == "__main__":
    raise SystemExit(main())
