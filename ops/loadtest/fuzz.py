"""Schemathesis against the gateway's own OpenAPI document (the apps' contracts merged under /api/v1):
valid and invalid requests generated for every operation, each carrying a fresh valid token, none of
which may be answered with a 5xx."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Err

log = logging.getLogger(__name__)


@dataclass
class FuzzResult:
    operations: int = 0
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    invalid_operations: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"operations": self.operations, "cases": self.cases,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "server_errors": self.server_errors[:50], "invalid_operations": self.invalid_operations}


def _has_inputs(operation: Any) -> bool:
    return bool(list(operation.iter_parameters())) or bool(list(operation.body))


def fuzz(gateway_url: str, token: Callable[[], str], headers: dict[str, str], examples: int) -> FuzzResult:
    schema = schemathesis.openapi.from_url(f"{gateway_url}/openapi.json")
    result = FuzzResult()
    for outcome in schema.get_all_operations():
        if isinstance(outcome, Err):
            result.invalid_operations.append(str(outcome.err()))
            continue
        operation = outcome.ok()
        result.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
                continue  # nothing to make invalid

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), database=None)
            def probe(case: Any) -> None:
                response = case.call(headers={**headers, "Authorization": f"Bearer {token()}"}, timeout=30)
                result.cases += 1
                result.statuses[response.status_code] += 1
                if response.status_code >= 500:
                    result.server_errors.append(f"{case.method} {case.formatted_path}: {response.status_code} "
                                                f"{response.text[:200]}")

            probe()
    log.info("schemathesis: %d cases over %d operations, %d answered 5xx", result.cases, result.operations,
             len(result.server_errors))
    return result
