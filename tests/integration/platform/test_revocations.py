"""Revocations outlive Redis losing its data: copied back from DynamoDB, and no check answers meanwhile."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from apps.common.models import RevocationItem
from apps.common.revocation_keys import RESTORED_KEY, REVOKED_PREFIX, revoked_key
from apps.common.revocations import Revocations, RevocationsUnknown
from apps.common.settings import PlatformSettings
from apps.common.tokens import Claims
from tests.support.users import TestUser, register_and_login
from tests.support.waiting import wait_until


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
    answers: list[Any] = []

    def balance_with_the_revoked_token() -> Any:
        answers.append(user_app.get("/balance", headers=user.headers))
        return answers[-1]

    wait_until(balance_with_the_revoked_token, lambda answer: answer.status_code != 503, timeout=15,
               what="the revocations to be copied back")
    statuses = [answer.status_code for answer in answers]
    assert statuses[-1] == 401, statuses
    assert set(statuses) <= {503, 401}
    assert all(answer.headers["Retry-After"] == "1" for answer in answers if answer.status_code == 503)
    assert user_app.get("/balance", headers=fresh.headers).status_code == 200


def test_checks_refuse_while_a_failover_is_copied_back(redis_client: Redis, tables: PlatformSettings,
                                                      revocations: Revocations) -> None:
    """The stale marker of the old primary goes first: no check passes on the strength of it mid-copy."""
    seen: list[str] = []

    class Watched(Revocations):
        def copy_back(self) -> int:
            try:
                self.is_revoked(uuid.uuid4().hex)
                seen.append("answered")
            except RevocationsUnknown:
                seen.append("refused")
            return super().copy_back()

    redis_client.set(RESTORED_KEY, "the-old-primary")
    assert Watched(redis_client, tables.jwt_max_lifetime_seconds).restore_if_needed() is not None
    assert seen == ["refused"]


def test_a_revocation_whose_redis_write_failed_is_written_on_the_next_check(
    redis_server: Any, tables: PlatformSettings, revocations: Revocations, redis_client: Redis
) -> None:
    """A logout that reached DynamoDB but timed out on Redis: the marker goes (checks refuse), and the
    revocation is written as soon as Redis answers again."""
    hasty = Redis(port=redis_server.port, decode_responses=True, socket_timeout=0.2, retry=Retry(NoBackoff(), 0))
    timing_out = Revocations(hasty, tables.jwt_max_lifetime_seconds)
    claims = claims_of("erin_rev", 600)
    redis_client.execute_command("CLIENT", "PAUSE", "3000", "WRITE")
    with pytest.raises(RedisError):
        timing_out.revoke(claims)
    assert redis_client.set("cnop:test:writable", "1"), "a write without a timeout waits out the pause"
    assert RevocationItem.find(RevocationItem.bucket_for(claims.expires_at + 60), claims.jti) is not None
    timing_out.restore_if_needed()
    assert timing_out.is_revoked(claims.jti)
    hasty.close()


def test_a_revocation_kept_past_the_longest_lifetime_is_still_copied_back(
    redis_client: Redis, tables: PlatformSettings
) -> None:
    """Revoked ten seconds before an hour ends, a token of the longest lifetime is kept into the hour after
    next: the copy-back reads that far."""
    lifetime = 3600
    now = (int(time.time()) // 3600) * 3600 + 3590
    revocations = Revocations(redis_client, lifetime, clock=lambda: now)
    claims = Claims(username="frank_rev", user_id="01J0TEST", jti=uuid.uuid4().hex, expires_at=now + lifetime)
    revocations.revoke(claims)
    redis_client.delete(revoked_key(claims.jti))
    assert revocations.copy_back() >= 1
    assert redis_client.exists(revoked_key(claims.jti))
