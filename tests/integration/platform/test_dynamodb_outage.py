"""DynamoDB stopping under running services: every read answers 503 with Retry-After (the client should come
back), never a 500, and every /health says which store is missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.common.models import bind_models, dynamodb_connection
from apps.common.services import token_issuer
from apps.common.settings import PlatformSettings
from ops.servers import free_port, start_dynamodb_local, start_redis
from ops.tables import ensure_tables
from tests.conftest import app_settings
from tests.support.outages import Outage, health, read, reads_before_the_outage, running_services
from tests.support.users import register_and_login


@pytest.fixture(scope="module")
def outage(tables: PlatformSettings, signing_key_pem: str, server_logs: Path) -> Iterator[Outage]:
    """A DynamoDB Local of this module's own, stopped once the services are up and a user has read from each.
    Redis is this module's own too: what the services copy into it (the revocation list, restored from their
    DynamoDB) must not reach the session's Redis."""
    server = start_dynamodb_local(free_port(), server_logs / "dynamodb-outage.log")
    redis = start_redis(free_port(), server_logs / "dynamodb-outage-redis.log")
    platform = app_settings(PlatformSettings, tables, aws_endpoint_url=f"http://127.0.0.1:{server.port}",
                            redis_url=f"redis://127.0.0.1:{redis.port}/0")
    try:
        ensure_tables(dynamodb_connection(platform), platform.table_prefix)
        with running_services(platform, signing_key_pem) as services:
            user = register_and_login(services[token_issuer().name])
            before = reads_before_the_outage(services, user)
            server.stop()
            yield Outage(services, user, before)
    finally:
        server.stop()
        redis.stop()
        bind_models(tables)  # the services pointed every model at the stopped server: back to the session's


def test_every_service_answered_before_dynamodb_stopped(outage: Outage) -> None:
    assert {name: answer.status_code for name, answer in outage.before.items()} == dict.fromkeys(outage.services, 200)


def test_without_dynamodb_every_read_is_503_with_retry_after(outage: Outage) -> None:
    answers = {name: read(client, name, outage.user) for name, client in outage.services.items()}
    assert {name: (answer.status_code, answer.json().get("code"), answer.headers.get("Retry-After"))
            for name, answer in answers.items()} == dict.fromkeys(outage.services,
                                                                  (503, "dependency_unavailable", "1"))


def test_without_dynamodb_every_health_check_is_503_naming_it(outage: Outage) -> None:
    answers = {name: health(client, name) for name, client in outage.services.items()}
    assert {name: (answer.status_code, answer.json()["status"], answer.json()["checks"])
            for name, answer in answers.items()} == dict.fromkeys(
        outage.services, (503, "degraded", {"dynamodb": "unavailable", "redis": "ok"}))
