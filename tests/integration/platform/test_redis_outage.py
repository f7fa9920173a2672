"""Redis stopping under running services: whatever needs it answers 503 with Retry-After, never a 500; what
can do without it (the public catalogue, from the table's prices) still answers; every /health names it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.common.models import bind_models
from apps.common.services import token_issuer
from apps.common.settings import PlatformSettings
from ops.servers import free_port, start_redis
from tests.conftest import app_settings
from tests.support.outages import Outage, health, read, read_route, reads_before_the_outage, running_services
from tests.support.users import register_and_login


@pytest.fixture(scope="module")
def outage(tables: PlatformSettings, signing_key_pem: str, server_logs: Path) -> Iterator[Outage]:
    """A redis-server of this module's own, stopped once the services are up and a user has read from each."""
    server = start_redis(free_port(), server_logs / "redis-outage.log")
    platform = app_settings(PlatformSettings, tables, redis_url=f"redis://127.0.0.1:{server.port}/0")
    try:
        with running_services(platform, signing_key_pem) as services:
            user = register_and_login(services[token_issuer().name])
            before = reads_before_the_outage(services, user)
            server.stop()
            yield Outage(services, user, before)
    finally:
        server.stop()
        bind_models(tables)  # the models' connection is the last service's: give it back to the session


def test_every_service_answered_before_redis_stopped(outage: Outage) -> None:
    assert {name: answer.status_code for name, answer in outage.before.items()} == dict.fromkeys(outage.services, 200)


def test_without_redis_signed_in_reads_are_503_and_public_ones_are_served_from_the_table(outage: Outage) -> None:
    """Token checks read the revocation list from Redis, so nothing signed-in is served; the public catalogue
    answers with the prices stored in the table, which are what the services had published at start."""
    answers = {name: read(client, name, outage.user) for name, client in outage.services.items()}
    expected = {name: (503, "dependency_unavailable", "1") if read_route(name).auth
                else (200, outage.before[name].json()) for name in outage.services}
    assert {name: (answer.status_code, answer.json().get("code"), answer.headers.get("Retry-After"))
            if read_route(name).auth else (answer.status_code, answer.json())
            for name, answer in answers.items()} == expected
    assert any(not read_route(name).auth for name in outage.services), "a public read is among them"


def test_without_redis_every_health_check_is_503_naming_it(outage: Outage) -> None:
    answers = {name: health(client, name) for name, client in outage.services.items()}
    assert {name: (answer.status_code, answer.json()["status"], answer.json()["checks"])
            for name, answer in answers.items()} == dict.fromkeys(
        outage.services, (503, "degraded", {"dynamodb": "ok", "redis": "unavailable"}))
