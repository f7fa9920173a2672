"""Property test: whatever schemathesis generates from each app's OpenAPI, and from the gateway's merged one,
valid or not, no answer is a 5xx and every answer is one the document describes (status, media type, body,
headers).

The apps and the gateway run as real uvicorn processes; every generated request carries a fresh valid token
(unless leaving it out is what makes the case invalid), so the authenticated routes are reached and a
generated logout cannot starve the rest of the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from schemathesis import GenerationMode

from apps.common.services import upstreams
from apps.gateway.route_table import ROUTES
from ops.loadtest.fuzz import FuzzResult, fuzz
from ops.tokens import mint
from tests.conftest import GatewayFactory
from tests.support.users import TestUser, register_and_login

EXAMPLES_PER_OPERATION_AND_MODE = 25
GATEWAY_EXAMPLES_PER_OPERATION_AND_MODE = 10


@pytest.fixture(scope="module")
def fuzz_user(app_processes: dict[str, str]) -> TestUser:
    with httpx.Client(base_url=app_processes["auth"]) as auth:
        user = register_and_login(auth)
    deposit = httpx.post(f"{app_processes['user']}/balance/deposit", json={"amount": 1000},
                         headers=user.headers)
    assert deposit.status_code == 201
    return user


@pytest.fixture(scope="module")
def fuzz_token(fuzz_user: TestUser, signing_key: Any) -> Callable[[], str]:
    return lambda: mint(signing_key, fuzz_user.username, fuzz_user.user_id)


def _assert_conforming(result: FuzzResult, mode: GenerationMode, operations: int) -> None:
    assert result.operations >= operations and not result.invalid_operations, result.invalid_operations
    served = any(200 <= status < 300 for status in result.statuses)
    assert served or mode is GenerationMode.NEGATIVE, f"no valid request got past authentication: {result.statuses}"
    assert not result.server_errors, "\n".join(result.server_errors)
    assert not result.failures_per_check, (f"{result.cases} cases, failures {dict(result.failures_per_check)}:\n"
                                           + "\n".join(result.conformance_failures))


@pytest.mark.parametrize("app", [entry.name for entry in upstreams()])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_every_answer_is_documented_and_none_is_a_5xx(
    app: str, mode: GenerationMode, app_processes: dict[str, str], fuzz_token: Callable[[], str]
) -> None:
    result = fuzz(app_processes[app], fuzz_token, {}, EXAMPLES_PER_OPERATION_AND_MODE, modes=[mode])
    _assert_conforming(result, mode, operations=3)


FUZZ_CLIENT = "198.18.0.77"
"""An address of its own (the gateway trusts the test's X-Forwarded-For): generated logins that fail get only
this client blocked, whichever gateway other tests use."""


@pytest.fixture(scope="module")
def trusting_gateway(start_gateway: GatewayFactory) -> str:
    url: str = start_gateway(GATEWAY_TRUSTED_PROXIES='["127.0.0.1/32"]')
    return url


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_every_gateway_answer_is_documented_and_none_is_a_5xx(
    mode: GenerationMode, trusting_gateway: str, fuzz_token: Callable[[], str]
) -> None:
    headers = {"X-Forwarded-For": FUZZ_CLIENT}
    result = fuzz(trusting_gateway, fuzz_token, headers, GATEWAY_EXAMPLES_PER_OPERATION_AND_MODE, modes=[mode])
    _assert_conforming(result, mode, operations=sum(len(spec.methods) for spec in ROUTES))
