"""Latency and errors of every DynamoDB and Redis call, by operation.

DynamoDB calls are observed through botocore's own ``before-call``/``after-call`` events on each client
PynamoDB uses; Redis calls through a client subclass that times each command. A refused condition
(an overdraft attempt, a taken username) is the database doing its job, so it is not counted as an error.
In a sampled trace each observation carries the trace id as its exemplar; the calls' spans come from the
OpenTelemetry instrumentations (apps/common/tracing.py).
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from apps.common.metrics import LATENCY_BUCKETS, trace_exemplar

_STARTED = "cnop_started"
_OPERATION = "cnop_operation"
EXPECTED_REFUSALS = {"ConditionalCheckFailedException"}


class DependencyMetrics:
    def __init__(self, registry: CollectorRegistry, service: str):
        self.service = service
        labels = ("service", "dependency", "operation")
        self.duration = Histogram("dependency_request_duration_seconds", "Time of one call to a backing service",
                                  labels, buckets=LATENCY_BUCKETS, registry=registry)
        self.errors = Counter("dependency_errors_total", "Calls to a backing service that failed", labels,
                              registry=registry)

    def observe(self, dependency: str, operation: str, seconds: float, failed: bool) -> None:
        self.duration.labels(self.service, dependency, operation).observe(seconds, exemplar=trace_exemplar())
        if failed:
            self.errors.labels(self.service, dependency, operation).inc()

    def instrument_dynamodb(self, client: Any) -> None:
        """Registers on one botocore DynamoDB client (idempotent per client and metrics object)."""
        events = client.meta.events
        suffix = f"cnop-{id(self)}"
        events.register("before-call.dynamodb.*", self._before_call, unique_id=f"before-{suffix}")
        events.register("after-call.dynamodb.*", self._after_call, unique_id=f"after-{suffix}")
        events.register("after-call-error.dynamodb.*", self._call_error, unique_id=f"error-{suffix}")

    def _before_call(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        context[_OPERATION] = model.name
        context[_STARTED] = time.perf_counter()

    def _after_call(self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any],
                    **_: Any) -> None:
        failed = http_response.status_code >= 300 and not _expected_refusal(parsed)
        self._finish(model.name, context, failed)

    def _call_error(self, context: dict[str, Any], **_: Any) -> None:
        self._finish(str(context.get(_OPERATION, "unknown")), context, failed=True)

    def _finish(self, operation: str, context: dict[str, Any], failed: bool) -> None:
        started = context.pop(_STARTED, None)
        if started is not None:
            self.observe("dynamodb", operation, time.perf_counter() - started, failed)


def _expected_refusal(parsed: dict[str, Any]) -> bool:
    code = parsed.get("Error", {}).get("Code", "")
    if code in EXPECTED_REFUSALS:
        return True
    if code == "TransactionCanceledException":
        reasons = [r.get("Code", "None") for r in parsed.get("CancellationReasons", [])]
        return all(reason in ("None", "ConditionalCheckFailed") for reason in reasons)
    return False


def redis_operation(command: tuple[Any, ...]) -> str:
    """The command's name as a label: ``GET``, ``EVALSHA``, ``SCRIPT_LOAD``."""
    return str(command[0]).upper().replace(" ", "_")


class InstrumentedRedis(Redis):
    """A Redis client that times every command it sends (pipelines are timed as one call by the caller)."""

    dependency_metrics: DependencyMetrics | None = None

    def execute_command(self, *args: Any, **options: Any) -> Any:
        if self.dependency_metrics is None:
            return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        started = time.perf_counter()
        failed = True
        try:
            result = super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
            failed = False
            return result
        finally:
            self.dependency_metrics.observe("redis", redis_operation(args), time.perf_counter() - started, failed)


class InstrumentedAsyncRedis(AsyncRedis):
    dependency_metrics: DependencyMetrics | None = None

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        if self.dependency_metrics is None:
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        started = time.perf_counter()
        failed = True
        try:
            result = await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
            failed = False
            return result
        finally:
            self.dependency_metrics.observe("redis", redis_operation(args), time.perf_counter() - started, failed)
