"""Starting each component of the local stack: the AWS endpoint, Redis and the apps (the monitoring is
``ops.stack.monitoring``)."""

from __future__ import annotations

import logging
import shutil
from typing import Any

from apps.common.services import Service
from ops.keys import KeyPair
from ops.launcher import LocalPlatform
from ops.servers import (
    ServerError,
    ServerProcess,
    dynamodb_local_jar,
    port_in_use,
    start_dynamodb_local,
    start_fakeredis,
    start_moto,
    start_redis,
)
from ops.stack.config import StackSettings

log = logging.getLogger(__name__)

# Local overrides of the gateway's generous defaults: the model-backed insights route gets a per-client
# limit a short burst can meet (the walkthrough shows it), everything else stays at thousands a minute.
LOCAL_GATEWAY_SETTINGS: dict[str, Any] = {"rate_limits": {"insights": {"limit": 120, "period_seconds": 60}}}


def start_aws_endpoint(settings: StackSettings) -> ServerProcess | None:
    """DynamoDB at the address a LocalStack container would have; None when an external one is used."""
    log_path = settings.logs_dir / "aws.log"
    backend = settings.aws_backend
    if backend == "localstack":
        if not port_in_use(settings.aws_port):
            raise ServerError(f"AWS_BACKEND=localstack but nothing listens on 127.0.0.1:{settings.aws_port}: "
                              "start LocalStack first (docker compose up localstack)")
        return None
    if backend == "auto":
        backend = "dynamodb-local" if shutil.which("java") and dynamodb_local_jar() else "moto"
        if backend == "moto":
            log.info("Java or the DynamoDB Local jar is missing (`make setup` installs the jar): using moto")
    if backend == "dynamodb-local":
        return start_dynamodb_local(settings.aws_port, log_path)
    return start_moto(settings.aws_port, log_path)


def start_redis_backend(settings: StackSettings) -> ServerProcess:
    log_path = settings.logs_dir / "redis.log"
    backend = settings.redis_backend
    if backend == "auto":
        backend = "redis-server" if shutil.which("redis-server") else "fakeredis"
        if backend == "fakeredis":
            log.info("redis-server is missing (apt-get install redis-server): using fakeredis' TCP server")
    if backend == "redis-server":
        return start_redis(settings.redis_port, log_path, data_dir=settings.redis_data_dir)
    return start_fakeredis(settings.redis_port, log_path)


def service_settings(entry: Service) -> dict[str, Any]:
    """What the local stack sets for a service beyond the shared settings, by settings field."""
    return LOCAL_GATEWAY_SETTINGS if entry.public else {}


def platform_of(settings: StackSettings, keys: KeyPair) -> LocalPlatform:
    return LocalPlatform(settings.aws_port, settings.redis_port, settings.table_prefix, keys)


def log_path_of(server: ServerProcess) -> str | None:
    return str(server.log_path) if server.log_path else None

