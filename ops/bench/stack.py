"""The measured stack: DynamoDB Local, redis-server and the apps as real uvicorn processes, all on 127.0.0.1.

``running_stack`` stops every process it started when its block ends, however it ends.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from apps.common.models import dynamodb_connection
from apps.common.settings import PlatformSettings
from ops.servers import REPO, ServerProcess, free_port, start_dynamodb_local, start_redis, wait_until
from ops.tables import ensure_tables

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
BENCH_APPS = ("auth", "user", "order")


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]
    """The environment every app process was given."""
    urls: dict[str, str]
    """Base URL of each app by name."""
    settings: PlatformSettings
    """The same shared settings, for the bench's own in-process DynamoDB and Redis clients."""


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str

    @classmethod
    def generate(cls) -> KeyPair:
        key = ec.generate_private_key(ec.SECP256R1())
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(private.decode(), public.decode())


def platform_env(dynamodb_port: int, redis_port: int, table_prefix: str, keys: KeyPair) -> dict[str, str]:
    return {
        "ENVIRONMENT": "localstack",
        "AWS_ENDPOINT_URL": f"http://{LOOPBACK}:{dynamodb_port}",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "TABLE_PREFIX": table_prefix,
        "REDIS_URL": f"redis://{LOOPBACK}:{redis_port}/0",
        "JWT_PUBLIC_KEY": keys.public_pem,
        "AUTH_JWT_PRIVATE_KEY": keys.private_pem,
        "LOG_LEVEL": "WARNING",
    }


def child_env(overrides: Mapping[str, str]) -> dict[str, str]:
    """The parent's environment without proxies (all traffic stays on loopback), plus ``overrides``."""
    inherited = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
    return {**inherited, "NO_PROXY": f"{LOOPBACK},localhost", **overrides}


def start_app(name: str, env: Mapping[str, str], log_path: Path) -> ServerProcess:
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", f"apps.{name}.main:create_app", "--factory",
           "--host", LOOPBACK, "--port", str(port), "--no-access-log", "--log-level", "warning"]
    with open(log_path, "ab") as output:
        process = subprocess.Popen(cmd, stdout=output, stderr=subprocess.STDOUT, cwd=REPO, env=dict(env),
                                   start_new_session=True)
    return ServerProcess(name, port, process, log_path)


def is_healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1.0, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


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

        env = platform_env(dynamodb.port, redis.port, table_prefix, KeyPair.generate())
        settings = PlatformSettings.model_validate(env)
        ensure_tables(dynamodb_connection(settings), table_prefix)

        apps: list[ServerProcess] = []
        for name in BENCH_APPS:
            app = start_app(name, child_env(env), log_dir / f"{name}.log")
            processes.callback(_stop, app)
            apps.append(app)
        urls = {app.name: f"http://{LOOPBACK}:{app.port}" for app in apps}
        for app in apps:
            url = urls[app.name]
            wait_until(partial(is_healthy, url), startup_timeout, f"{app.name} app", app.process)
            log.info("%s app healthy at %s (pid %d)", app.name, url, app.pid)
        yield Stack(env=env, urls=urls, settings=settings)


def _stop(server: ServerProcess) -> None:
    server.stop()
    log.info("stopped %s (pid %d, exit code %s)", server.name, server.pid, server.process.returncode)
