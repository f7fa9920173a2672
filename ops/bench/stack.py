"""The measured stack: DynamoDB Local, redis-server and the apps as real uvicorn processes, all on 127.0.0.1.

``running_stack`` stops every process it started when its block ends, however it ends.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from apps.common.models import dynamodb_connection
from apps.common.settings import PlatformSettings
from ops.keys import KeyPair, local_platform_env
from ops.servers import ServerProcess, free_port, start_app, start_dynamodb_local, start_redis
from ops.tables import ensure_tables

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
BENCH_APPS = ("auth", "user", "inventory", "order")


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]
    """The environment every app process was given."""
    urls: dict[str, str]
    """Base URL of each app by name."""
    settings: PlatformSettings
    """The same shared settings, for the bench's own in-process DynamoDB and Redis clients."""


def child_env(overrides: Mapping[str, str]) -> dict[str, str]:
    """The parent's environment without proxies (all traffic stays on loopback), plus ``overrides``."""
    inherited = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
    return {**inherited, "NO_PROXY": f"{LOOPBACK},localhost", **overrides}


@contextmanager
def running_stack(log_dir: Path, table_prefix: str, startup_timeout: float = 90.0) -> Iterator[Stack]:
    log_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as processes:
        dynamodb = start_dynamodb_local(free_port(), log_dir / "dynamodb.log")
        processes.callback(_stop, dynamodb)
        redis = start_redis(free_port(), log_dir / "redis.log")
        processes.callback(_stop, redis)
        log.info("DynamoDB Local on port %d (pid %d), redis-server on port %d (pid %d)",
                 dynamodb.port, dynamodb.pid, redis.port, redis.pid)

        keys = KeyPair.generate()
        env = {**local_platform_env(dynamodb.port, redis.port, table_prefix, keys.public_pem),
               "AUTH_JWT_PRIVATE_KEY": keys.private_pem, "INVENTORY_PRICE_FEED_ENABLED": "false"}
        settings = PlatformSettings.model_validate(env)
        ensure_tables(dynamodb_connection(settings), table_prefix)

        urls = {}
        for name in BENCH_APPS:
            app = start_app(name, free_port(), child_env(env), log_dir / f"{name}.log", timeout=startup_timeout)
            processes.callback(_stop, app)
            urls[name] = f"http://{LOOPBACK}:{app.port}"
            log.info("%s app healthy at %s (pid %d)", name, urls[name], app.pid)
        gateway_env = {**env, **{f"GATEWAY_{name.upper()}_URL": url for name, url in urls.items()},
                       "GATEWAY_INSIGHTS_URL": f"http://{LOOPBACK}:{free_port()}"}
        gateway = start_app("gateway", free_port(), child_env(gateway_env), log_dir / "gateway.log",
                            timeout=startup_timeout)
        processes.callback(_stop, gateway)
        urls["gateway"] = f"http://{LOOPBACK}:{gateway.port}"
        yield Stack(env=env, urls=urls, settings=settings)


def _stop(server: ServerProcess) -> None:
    server.stop()
    log.info("stopped %s (pid %d, exit code %s)", server.name, server.pid, server.process.returncode)
