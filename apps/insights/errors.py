"""The insights app's failures, each a status and stable code in the platform's ``{"detail", "code"}`` shape.

A model failure also names its ``kind``, the bounded label the model-error metric counts it under.
"""

from __future__ import annotations

from typing import Literal

from apps.common.errors import DomainError

FailureKind = Literal["timeout", "rate_limited", "upstream_error", "rejected", "bad_answer", "unreachable"]


class ProviderNotConfigured(DomainError):
    status_code = 503
    code = "insights_provider_not_configured"


class ModelFailure(DomainError):
    """The analysis model did not produce a usable answer."""

    status_code = 502
    code = "insights_model_error"

    def __init__(self, detail: str, kind: FailureKind, headers: dict[str, str] | None = None):
        super().__init__(detail, headers=headers)
        self.kind: FailureKind = kind


class ModelTimeout(ModelFailure):
    status_code = 504
    code = "insights_model_timeout"

    def __init__(self, detail: str = "The analysis model did not answer in time, please retry later"):
        super().__init__(detail, "timeout")


class ModelRateLimited(ModelFailure):
    status_code = 429
    code = "insights_rate_limited"

    def __init__(self, retry_after_seconds: int | None = None):
        headers = {"Retry-After": str(retry_after_seconds)} if retry_after_seconds is not None else None
        super().__init__("The analysis model is rate limited, please retry later", "rate_limited", headers)
