"""Run with ``python -m apps.serve gateway`` (uvicorn with this factory and the platform's server limits)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry
from starlette.exceptions import HTTPException

from apps.common.bodies import RequestBodyGuard
from apps.common.dependency_metrics import DependencyMetrics
from apps.common.logs import configure_logging
from apps.common.metrics import HttpMetrics, exposition
from apps.common.middleware import ObservabilityMiddleware
from apps.common.redis_client import make_async_redis
from apps.common.services import public_entry, service
from apps.common.tokens import KeySet
from apps.common.tracing import Tracing, TracingSettings, start_tracing, tracing_settings
from apps.gateway.admission import AdmissionControl
from apps.gateway.breaker import CircuitBreaker
from apps.gateway.bruteforce import LoginGuard
from apps.gateway.clients import ClientAddresses, GatewayTokens
from apps.gateway.dispatch import ProxiedRoutes
from apps.gateway.errors import BAD_REQUEST, INTERNAL_ERROR, UPSTREAM_UNAVAILABLE, gateway_error
from apps.gateway.headers import SecurityHeadersMiddleware, StrictCORSMiddleware
from apps.gateway.metrics import GatewayMetrics
from apps.gateway.openapi import fetch_documents, merge_documents
from apps.gateway.pipeline import Gateway
from apps.gateway.proxy import Upstream
from apps.gateway.response_cache import ResponseCache
from apps.gateway.route_table import ROUTES
from apps.gateway.settings import GatewaySettings, get_settings
from apps.gateway.upstream_http import UpstreamError

EXPOSED_HEADERS = ["X-Request-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"]


def _build_gateway(settings: GatewaySettings, metrics: GatewayMetrics, dependencies: DependencyMetrics,
                   tracing: Tracing) -> Gateway:
    redis = tracing.instrument_redis(make_async_redis(settings, dependencies))
    keys = KeySet.from_pem(settings.jwt_public_key.get_secret_value()) if settings.jwt_public_key else KeySet()
    jwks_url = None if settings.jwt_public_key else settings.resolved_jwks_url
    upstreams = {}
    for name, url in settings.upstreams.items():
        breaker = CircuitBreaker(name, settings.breaker_failure_threshold, settings.breaker_cooldown_seconds,
                                 settings.breaker_half_open_successes, on_transition=metrics.breaker_moved)
        metrics.breaker_state.labels(name).set(0)
        # With tracing on, each forward is a client span whose traceparent goes upstream.
        upstreams[name] = Upstream(name, url, settings, breaker, metrics, tracing.tracer("apps.gateway.proxy"))
    return Gateway(
        settings=settings,
        redis=redis,
        tokens=GatewayTokens.create(keys, settings.jwt_issuer, settings.jwt_audience,
                                    settings.jwt_max_lifetime_seconds, jwks_url),
        admission=AdmissionControl(redis),
        login_guard=LoginGuard(redis, settings.login_max_failures, settings.login_failure_window_seconds,
                               settings.login_block_seconds, settings.login_max_failures_per_username),
        addresses=ClientAddresses(settings.trusted_proxies),
        upstreams=upstreams,
        metrics=metrics,
        cache=ResponseCache(settings.response_cache_entries, settings.response_cache_max_seconds,
                            settings.response_cache_max_body_bytes),
    )


async def _health(gateway: Gateway) -> dict[str, object]:
    async def check(upstream: Upstream) -> str:
        try:
            answer = await upstream.get(service(upstream.name).health_path, timeout=1.0)
        except UpstreamError:
            return "unavailable"
        return "ok" if answer.status == 200 else "degraded"

    names = list(gateway.upstreams)
    results = await asyncio.gather(*(check(gateway.upstreams[name]) for name in names))
    checks = dict(zip(names, results, strict=True))
    try:
        await gateway.redis.ping()
        checks["redis"] = "ok"
    except Exception:  # the check itself reports the failure
        checks["redis"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return {"status": "healthy" if healthy else "degraded", "service": "gateway", "checks": checks}


def create_app(settings: GatewaySettings | None = None, tracing_config: TracingSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging("gateway", settings.log_level)
    tracing = start_tracing("gateway", settings.environment, tracing_config or tracing_settings())
    registry = CollectorRegistry()
    metrics = GatewayMetrics(registry)
    dependencies = DependencyMetrics(registry, "gateway")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gateway = _build_gateway(settings, metrics, dependencies, tracing)
        app.state.gateway = gateway
        await gateway.tokens.refresh_keys()
        try:
            yield
        finally:
            for upstream in gateway.upstreams.values():
                await upstream.close()
            await gateway.tokens.http.aclose()
            await gateway.redis.aclose()
            tracing.shutdown()

    app = FastAPI(title="cnop gateway", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
                  redirect_slashes=False)

    entry = public_entry()

    @app.get(entry.health_path, tags=["operations"])
    async def health(request: Request) -> JSONResponse:
        return JSONResponse(await _health(request.app.state.gateway))

    @app.get(entry.probe_path, tags=["operations"])
    async def ready() -> dict[str, str]:
        """The kubelet's probe: this process answers; upstreams and Redis are ``health_path``'s business."""
        return {"status": "ready", "service": entry.name}

    @app.get("/metrics", tags=["operations"])
    async def metrics_endpoint(request: Request) -> Response:
        body, content_type = exposition(registry, request.headers.get("accept"))
        return Response(body, media_type=content_type)

    @app.get("/openapi.json", include_in_schema=False)
    async def public_contract(request: Request) -> Response:
        """The apps' documents merged under the public paths, built once all of them could be read."""
        contract = getattr(request.app.state, "contract", None)
        if contract is None:
            gateway: Gateway = request.app.state.gateway
            try:
                documents = await fetch_documents(gateway.upstreams)
            except (UpstreamError, ValueError):
                return gateway_error(503, UPSTREAM_UNAVAILABLE, "The services' API descriptions are unavailable")
            contract = merge_documents(documents, ROUTES, "cnop public API", app.version)
            request.app.state.contract = contract
        return JSONResponse(contract)

    @app.exception_handler(HTTPException)
    async def unknown_route(_: Request, exc: HTTPException) -> Response:
        if exc.status_code in (404, 405):
            return gateway_error(404, BAD_REQUEST, "No such route")
        return gateway_error(exc.status_code, BAD_REQUEST, str(exc.detail))

    # Innermost first: the route table's routes are forwarded without the framework's router; bodies are refused
    # before CORS or routing; every answer, even an unexpected error's, leaves with a request id and the security
    # headers.
    app.add_middleware(ProxiedRoutes, routes=ROUTES)
    app.add_middleware(RequestBodyGuard, max_bytes=settings.max_body_bytes, max_depth=settings.max_json_depth,
                       refuse=lambda refusal: gateway_error(refusal.status, BAD_REQUEST, refusal.message))
    app.add_middleware(StrictCORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True,
                       allow_methods=["GET", "POST", "PUT", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type", "X-Request-ID", "Idempotency-Key"],
                       expose_headers=EXPOSED_HEADERS, max_age=600)
    app.add_middleware(ObservabilityMiddleware, service="gateway", metrics=HttpMetrics(registry),
                       internal_error=lambda: gateway_error(500, INTERNAL_ERROR, "Internal gateway error"))
    app.add_middleware(SecurityHeadersMiddleware)
    # Outermost: the server span encloses everything above; a client's traceparent is dropped before it starts.
    tracing.instrument_app(app, (entry.health_path, entry.probe_path, entry.metrics_path), trust_incoming=False)
    return app
