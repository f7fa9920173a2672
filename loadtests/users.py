"""The abstract base users every scenario builds on: one way to call an endpoint and judge its answer.

``call`` names each request by its route template (``name=``), so Locust's statistics, the endpoint
groups and the gateway's ``route`` label all speak of the same thing, and marks the answer a success
only when its status is one the scenario expects (``catch_response``): an expected 422 or 429 is a
success, an unexpected 200 is a failure.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from locust import FastHttpUser
from locust.exception import StopUser

from loadtests import hooks  # noqa: F401 - every scenario runs with the run-wide listeners (gate, cap, tally)
from loadtests.options import allowed_hosts, run_profile

PASSWORD = "Load!Test1234"
SYNTHETIC_CLIENTS = ipaddress.ip_network("198.18.0.0/15")
"""RFC 2544's benchmarking range: addresses the security users claim behind a trusted proxy."""


Judge = Callable[[int, Any, dict[str, str]], str | None]
"""Looks at an expected answer's status, body and (lower-cased) headers; returns why it is wrong, or None."""


def synthetic_address() -> str:
    return str(SYNTHETIC_CLIENTS[random.randrange(1, SYNTHETIC_CLIENTS.num_addresses - 1)])


def new_username(prefix: str) -> str:
    return f"{prefix}_{os.urandom(6).hex()}"[:30]


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    content: bytes
    finished_at: float
    elapsed_ms: float

    @cached_property
    def body(self) -> Any:
        """The answer's JSON, parsed when first asked for (most answers are only counted); None when empty or
        not JSON."""
        try:
            return json.loads(self.content) if self.content else None
        except ValueError:
            return None

    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None

    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


@dataclass
class Account:
    username: str
    token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class ApiUser(FastHttpUser):
    abstract = True
    network_timeout = 30.0
    connection_timeout = 5.0
    client_address: str | None = None
    """Sent as X-Forwarded-For: the gateways of the security run trust 127.0.0.1 as a proxy."""

    def wait_time(self) -> float:
        low, high = self.think_time_s
        return random.uniform(low, high)

    @cached_property
    def think_time_s(self) -> tuple[float, float]:
        return run_profile(self.environment).think_time_s

    def on_start(self) -> None:
        if urlsplit(self.host or "").hostname not in allowed_hosts(self.environment):
            raise StopUser()

    def call(self, method: str, path: str, expect: Collection[int], name: str | None = None,
             headers: dict[str, str] | None = None, json: Any = None, judge: Judge | None = None) -> Reply:
        """One request, a success only when its status is expected and ``judge`` (if any) finds no fault."""
        sent = dict(headers or {})
        if self.client_address:
            sent["X-Forwarded-For"] = self.client_address
        label = name or path.split("?", 1)[0]
        started = time.perf_counter()
        with self.client.request(method, path, name=label, headers=sent, json=json, catch_response=True) as answer:
            status = int(answer.status_code or 0)
            reply = Reply(status, {k.lower(): v for k, v in (answer.headers or {}).items()},
                          (answer.content or b"") if status else b"", time.time(),
                          (time.perf_counter() - started) * 1000)
            fault = None if status in expect else f"expected {sorted(expect)}, got {status} {json_text(reply.body)}"
            if fault is None and judge is not None:
                fault = judge(status, reply.body, reply.headers)
            if fault is None:
                answer.success()
            else:
                answer.failure(fault)
        return reply


def json_text(body: Any, limit: int = 160) -> str:
    return str(body)[:limit] if body is not None else ""


class AccountUser(ApiUser):
    """A user that signs up and logs in through the gateway, as the web frontend does."""

    abstract = True

    def register(self, username: str) -> Reply:
        return self.call("POST", "/api/v1/auth/register", (201,), json={
            "username": username, "email": f"{username}@example.com", "password": PASSWORD,
            "first_name": "Load", "last_name": "Tester"})

    def login(self, username: str, password: str = PASSWORD, expect: Collection[int] = (200,)) -> Reply:
        return self.call("POST", "/api/v1/auth/login", expect, json={"username": username, "password": password})

    def sign_up(self, prefix: str) -> Account:
        account = Account(new_username(prefix))
        if self.register(account.username).status != 201:
            raise StopUser()
        answer = self.login(account.username)
        if answer.status != 200:
            raise StopUser()
        account.token = str(answer.body["access_token"])
        return account
