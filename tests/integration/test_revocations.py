"""Revocations outlive Redis losing its data: copied back from DynamoDB, and no check answers meanwhile."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis

from apps.common.models import RevocationItem
from apps.common.revocation_keys import RESTORED_KEY, REVOKED_PREFIX, revoked_key
from apps.common.revocations import Revocations, RevocationsUnknown
from apps.common.settings import PlatformSettings
from apps.common.tokens import Claims
from tests.support.users import TestUser, register_and_login

pytestmark = pytest.mark.integration


def lose_revocations(redis: Redis) -> None:
    """What a Redis restart without persistence does to the revocation list (the rest of this shared test
    server is left alone)."""
    for key in [*redis.scan_iter(f"{REVOKED_PREFIX}*"), RESTORED_KEY]:
        redis.delete(key)


@pytest.fixture
def revocations(redis_client: Redis, tables: PlatformSettings) -> Iterator[Revocations]:
    revocations = Revocations(redis_client, tables.jwt_max_lifetime_seconds)
    revocations.restore_if_needed()
    yield revocations
    revocations.restore_if_needed()  # leave the shared server whole for the next test


def claims_of(username: str, expires_in: int) -> Claims:
    return Claims(username=username, user_id="01J0TEST", jti=uuid.uuid4().hex, expires_at=int(time.time()) + expires_in)


def test_checks_refuse_to_decide_while_the_list_is_lost(revocations: Revocations, redis_client: Redis) -> None:
    lose_revocations(redis_client)
    with pytest.raises(RevocationsUnknown) as refused:
        revocations.is_revoked(uuid.uuid4().hex)
    assert refused.value.status_code == 503
    assert refused.value.headers == {"Retry-After": "1"}


def test_every_revocation_in_force_is_copied_back(revocations: Revocations, redis_client: Redis) -> None:
    soon, later = claims_of("alice_rev", 60), claims_of("bob_rev", 20 * 3600)
    revocations.revoke(soon)
    revocations.revoke(later)
    lose_revocations(redis_client)
    copied = revocations.restore_if_needed()
    assert copied is not None and copied >= 2
    assert revocations.is_revoked(soon.jti) and revocations.is_revoked(later.jti)
    assert not revocations.is_revoked(uuid.uuid4().hex)
    assert 0 < redis_client.ttl(revoked_key(later.jti)) <= 20 * 3600 + 60


def test_a_revocation_past_its_tokens_use_is_not_copied_back(revocations: Revocations, redis_client: Redis) -> None:
    jti = uuid.uuid4().hex
    long_gone = int(time.time()) - 10
    RevocationItem(RevocationItem.bucket_for(long_gone), jti, username="carol_rev", expires_at=long_gone).save()
    lose_revocations(redis_client)
    revocations.restore_if_needed()
    assert not redis_client.exists(revoked_key(jti))


def test_a_list_restored_on_another_server_is_restored_again(revocations: Revocations, redis_client: Redis) -> None:
    """A failover: the marker came over from the old primary, the latest revocations may not have."""
    claims = claims_of("dave_rev", 600)
    revocations.revoke(claims)
    redis_client.delete(revoked_key(claims.jti))  # the write the replica never received
    redis_client.set(RESTORED_KEY, "the-old-primary")
    assert revocations.restore_if_needed() is not None
    assert revocations.is_revoked(claims.jti)
    assert redis_client.get(RESTORED_KEY) == redis_client.info("server")["run_id"]
    assert revocations.restore_if_needed() is None, "nothing to do once restored on this server"


def test_a_logged_out_token_is_never_served_again_across_the_loss(
    auth_app: Any, user_app: Any, redis_client: Redis, revocations: Revocations
) -> None:
    """The apps' own watch copies the list back: meanwhile 503 with Retry-After, never the balance."""
    user: TestUser = register_and_login(auth_app)
    assert auth_app.post("/auth/logout", headers=user.headers).status_code == 200
    fresh = register_and_login(auth_app)
    lose_revocations(redis_client)
    statuses = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        answer = user_app.get("/balance", headers=user.headers)
        statuses.append(answer.status_code)
        if answer.status_code != 503:
            break
        assert answer.headers["Retry-After"] == "1"
        time.sleep(0.1)
    assert statuses[-1] == 401, statuses
    assert set(statuses) <= {503, 401}
    assert user_app.get("/balance", headers=fresh.headers).status_code == 200
