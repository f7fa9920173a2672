"""The gateway's admission script (``apps.gateway.admission``) on a real redis-server: which rate keys a request
is counted against, the per-user one above all, and that a refusal advances none of them."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from apps.gateway.admission import AdmissionControl, rate_key
from apps.gateway.settings import RateLimitRule
from ops.servers import ServerProcess

TWO_A_MINUTE = RateLimitRule(limit=2, period_seconds=60)


def test_rate_keys_name_the_group_and_the_subject() -> None:
    assert rate_key("trading", "user:alice_1") == "cnop:ratelimit:trading:user:alice_1"
    assert rate_key("trading", "client:198.51.100.1") == "cnop:ratelimit:trading:client:198.51.100.1"


def admit_in_turn(redis_server: ServerProcess, group: str, *calls: tuple[str, str | None]) -> list[str]:
    """Admits each (client, username) in turn on a public, non-login route; the outcome of each."""

    async def scenario() -> list[str]:
        redis = AsyncRedis(port=redis_server.port)
        try:
            admission = AdmissionControl(redis)
            return [(await admission.admit(TWO_A_MINUTE, group, client, username, None, False)).outcome
                    for client, username in calls]
        finally:
            await redis.aclose()

    return asyncio.run(scenario())


@pytest.fixture
def group() -> str:
    """A group of this test's own, so no other test's keys count."""
    return f"g{uuid.uuid4().hex[:12]}"


def test_an_authenticated_request_is_counted_against_its_client_and_its_user(
    redis_server: ServerProcess, redis_client: Redis, group: str
) -> None:
    assert admit_in_turn(redis_server, group, ("198.51.100.1", "alice_1")) == ["allowed"]
    assert sorted(redis_client.scan_iter(f"cnop:ratelimit:{group}:*")) == [
        rate_key(group, "client:198.51.100.1"), rate_key(group, "user:alice_1")]
    assert 0 < redis_client.pttl(rate_key(group, "user:alice_1")) <= 60_000


def test_an_anonymous_request_is_counted_against_its_client_alone(
    redis_server: ServerProcess, redis_client: Redis, group: str
) -> None:
    assert admit_in_turn(redis_server, group, ("198.51.100.1", None)) == ["allowed"]
    assert list(redis_client.scan_iter(f"cnop:ratelimit:{group}:*")) == [rate_key(group, "client:198.51.100.1")]


def test_the_user_s_limit_follows_the_user_across_client_addresses(
    redis_server: ServerProcess, redis_client: Redis, group: str
) -> None:
    """Three addresses, each fresh: the third request of the same user is refused by the user's key alone,
    and the refusal advances neither key; another user from a fresh address is unaffected."""
    outcomes = admit_in_turn(redis_server, group, ("198.51.100.1", "alice_1"), ("198.51.100.2", "alice_1"),
                             ("198.51.100.3", "alice_1"), ("198.51.100.4", "bob_2"))
    assert outcomes == ["allowed", "allowed", "rate_limited", "allowed"]
    assert redis_client.exists(rate_key(group, "client:198.51.100.3")) == 0, "a refused request counts nowhere"
