"""Schemathesis against an OpenAPI document (the gateway's public contract, or one app's own): valid and
invalid requests generated for every operation, each carrying a fresh valid token unless the case was made
invalid by leaving it out. No answer may be a 5xx, and every answer must be one the document describes: its
status, media type, body and headers."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import AuthContext, Case, CheckContext, CheckFunction, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.core.transport import Response

log = logging.getLogger(__name__)

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
RECORDED_FAILURES = 50


def no_internals_in_errors(_: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """The contract: no stack traces in any error body."""
    if response.status_code >= 400 and "Traceback" in response.text:
        raise AssertionError(f"{case.method} {case.formatted_path}: a traceback in a {response.status_code} body")
    return None


CONFORMANCE_CHECKS: tuple[CheckFunction, ...] = (
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    ignored_auth,  # once per operation: one refused token-less and bad-token probe proves the route checks
    no_internals_in_errors,
)
# Left out: not_a_server_error (every 5xx is recorded as a server error already); positive_data_acceptance (a
# schema-valid withdrawal or order is still refused with 422 by the ledger's rules, as the contract says);
# missing_required_header, unsupported_method, allow_header_conformance (coverage-phase probes, never sent
# here); use_after_free, ensure_resource_availability, object_level_authorization (stateful runs only).


@dataclass
class FuzzResult:
    operations: int = 0
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    invalid_operations: list[str] = field(default_factory=list)
    failures_per_check: Counter[str] = field(default_factory=Counter)
    conformance_failures: list[str] = field(default_factory=list)
    """The first ``RECORDED_FAILURES`` answers the document does not describe (``failures_per_check`` counts all)."""

    def record_failure(self, check: str, where: str, problem: str) -> None:
        self.failures_per_check[check] += 1
        if len(self.conformance_failures) < RECORDED_FAILURES:
            self.conformance_failures.append(f"{check}: {where}: {problem}")

    def to_json(self) -> dict[str, Any]:
        return {"operations": self.operations, "cases": self.cases,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "server_errors": self.server_errors[:RECORDED_FAILURES], "invalid_operations": self.invalid_operations,
                "failures_per_check": dict(sorted(self.failures_per_check.items())),
                "conformance_failures": self.conformance_failures}


def _has_inputs(operation: Any) -> bool:
    return bool(list(operation.iter_parameters())) or bool(list(operation.body))


def _fresh_tokens(token: Callable[[], str]) -> type:
    """A schemathesis auth provider: each generated case gets a new token (a generated logout revokes one),
    except where leaving the token out is what makes the case invalid."""

    class FreshToken:
        def get(self, _: Case[Any], __: AuthContext) -> str:
            return token()

        def set(self, case: Case[Any], data: str, _: AuthContext) -> None:
            case.headers["Authorization"] = f"Bearer {data}"

    return FreshToken


class _Prober:
    """Sends one generated case and runs every conformance check on its answer."""

    def __init__(self, result: FuzzResult, headers: dict[str, str]):
        self.result = result
        self.headers = headers
        self.auth_confirmed: set[str] = set()

    def probe(self, case: Case[Any]) -> None:
        response = case.call(headers=self.headers, timeout=30)
        where = f"{case.method} {case.formatted_path} ({response.status_code})"
        self.result.cases += 1
        self.result.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.result.server_errors.append(f"{where}: {response.text[:200]}")
        for check in self._checks_for(case):
            try:
                case.validate_response(response, checks=[check], headers=self.headers,
                                       transport_kwargs={"headers": self.headers, "timeout": 30})
            except FailureGroup as failed:
                for failure in failed.exceptions:
                    self.result.record_failure(check.__name__, where, f"{failure.title}: {failure.message[:300]}")
            else:
                if check is ignored_auth and 200 <= response.status_code < 300:
                    self.auth_confirmed.add(case.operation.label)

    def _checks_for(self, case: Case[Any]) -> Iterable[CheckFunction]:
        confirmed = case.operation.label in self.auth_confirmed
        return [check for check in CONFORMANCE_CHECKS if not (check is ignored_auth and confirmed)]


def fuzz(base_url: str, token: Callable[[], str], headers: dict[str, str], examples: int,
         modes: Iterable[GenerationMode] = MODES) -> FuzzResult:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    schema.auth(refresh_interval=None)(_fresh_tokens(token))
    result = FuzzResult()
    prober = _Prober(result, headers)
    for outcome in schema.get_all_operations():
        if isinstance(outcome, Err):
            result.invalid_operations.append(str(outcome.err()))
            continue
        operation = outcome.ok()
        result.operations += 1
        for mode in modes:
            if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
                continue  # nothing to make invalid

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), database=None)
            def probe(case: Case[Any]) -> None:
                prober.probe(case)

            probe()
    log.info("schemathesis: %d cases over %d operations, %d answered 5xx, conformance failures %s", result.cases,
             result.operations, len(result.server_errors), dict(result.failures_per_check) or "none")
    return result
