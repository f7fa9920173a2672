"""Password hashes are computed at most AUTH_PASSWORD_HASHES_AT_ONCE at a time per auth process: a burst of
sign-ups and logins takes that many cores and that much argon2 memory, the rest wait their turn."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from argon2 import PasswordHasher

from apps.auth.accounts import Accounts
from apps.auth.schemas import RegisterRequest
from apps.common.models import dynamodb_connection
from apps.common.settings import PlatformSettings
from tests.support.users import PASSWORD, registration

BURST = 6


class WatchedHasher(PasswordHasher):
    """argon2 itself, noting how many hashes and checks are running at the same moment."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8192, parallelism=1)
        self._lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0

    def _enter(self) -> None:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)

    def _leave(self) -> None:
        with self._lock:
            self.running -= 1

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._enter()
        try:
            return super().hash(password, salt=salt)
        finally:
            self._leave()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self._enter()
        try:
            return super().verify(hash, password)
        finally:
            self._leave()


@pytest.mark.parametrize("at_once", [1, 2])
def test_a_burst_of_sign_ups_and_logins_hashes_at_most_the_configured_number_at_once(
    tables: PlatformSettings, at_once: int
) -> None:
    hasher = WatchedHasher()
    accounts = Accounts(dynamodb_connection(tables), hasher, hashes_at_once=at_once)
    hasher.most_at_once = 0  # the timing equaliser's hash, made at construction, is not part of the burst
    requests = [RegisterRequest.model_validate(registration()) for _ in range(BURST)]
    start = threading.Barrier(BURST)

    def sign_up_and_log_in(request: RegisterRequest) -> Any:
        start.wait()
        accounts.register(request)
        return accounts.authenticate(request.username, PASSWORD)

    with ThreadPoolExecutor(BURST) as pool:
        users = list(pool.map(sign_up_and_log_in, requests))

    assert [user.username for user in users] == [request.username for request in requests]
    assert hasher.most_at_once == at_once
    assert hasher.running == 0
