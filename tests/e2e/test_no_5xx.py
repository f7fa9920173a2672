"""Property test: whatever schemathesis generates from each app's OpenAPI, valid or not, no answer is a 5xx.

The apps run as real uvicorn processes; every generated request carries a fresh valid token, so the
authenticated routes are reached (and a generated logout cannot starve the rest of the run).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.support.tokens import mint
from tests.support.users import TestUser, register_and_login

pytestmark = pytest.mark.e2e

EXAMPLES_PER_OPERATION_AND_MODE = 25


@pytest.fixture(scope="module")
def fuzz_user(app_processes: dict[str, str]) -> TestUser:
    with httpx.Client(base_url=app_processes["auth"]) as auth:
        user = register_and_login(auth)
    deposit = httpx.post(f"{app_processes['user']}/balance/deposit", json={"amount": 1000},
                         headers=user.headers)
    assert deposit.status_code == 201
    return user


def _operations(base_url: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def _has_inputs(operation: Any) -> bool:
    return bool(list(operation.iter_parameters())) or bool(list(operation.body))


@pytest.mark.parametrize("app", ["auth", "user", "inventory", "order", "insights"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_app_never_answers_5xx(
    app: str, mode: GenerationMode, app_processes: dict[str, str], fuzz_user: TestUser, signing_key: Any
) -> None:
    operations = _operations(app_processes[app])
    assert len(operations) >= 3
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
            continue  # nothing to make invalid

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION_AND_MODE, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), database=None)
        def never_5xx(case: Any) -> None:
            token = mint(signing_key, fuzz_user.username)
            response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=30)
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{where}: {response.status_code} {response.text}"
            if response.status_code >= 400:
                assert "Traceback" not in response.text, where

        never_5xx()
