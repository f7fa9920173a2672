"""The app factory every service uses: lifespan-owned clients, one error mapping, /health, /metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry
from pynamodb.connection import Connection
from redis import Redis
from starlette.concurrency import run_in_threadpool

from apps.common.bodies import RequestBodyGuard
from apps.common.dependency_metrics import DependencyMetrics
from apps.common.errors import install_error_handlers, refused_body
from apps.common.health import TableCheck, redis_status
from apps.common.logs import configure_logging
from apps.common.metrics import HttpMetrics, exposition
from apps.common.middleware import ObservabilityMiddleware
from apps.common.models import bind_models
from apps.common.openapi import refusals
from apps.common.redis_client import make_redis
from apps.common.revocations import Revocations, keeping_restored
from apps.common.security import AccountBinding, key_set_from_settings
from apps.common.services import Service
from apps.common.settings import PlatformSettings
from apps.common.tokens import KeySet, TokenVerifier
from apps.common.tracing import Tracing, TracingSettings, start_tracing, tracing_settings


@dataclass(frozen=True)
class ServiceContext:
    """What every service's requests may need, created in the lifespan and closed there."""

    service: Service
    settings: PlatformSettings
    registry: CollectorRegistry
    redis: Redis
    dynamodb: Connection
    verifier: TokenVerifier
    revocations: Revocations
    accounts: AccountBinding
    tables: TableCheck


Parts = TypeVar("Parts")
Startup = Callable[[ServiceContext], AbstractAsyncContextManager[Parts]]
"""An app's own lifespan work: builds its parts (a typed object its routes read through ``part``)."""


def build_context(
    service: Service,
    settings: PlatformSettings,
    registry: CollectorRegistry,
    dependency_metrics: DependencyMetrics,
    keys: KeySet | None = None,
    tracing: Tracing | None = None,
) -> ServiceContext:
    dynamodb = bind_models(settings)
    dependency_metrics.instrument_dynamodb(dynamodb.client)
    redis = (tracing or Tracing()).instrument_redis(make_redis(settings, dependency_metrics))
    return ServiceContext(
        service=service,
        settings=settings,
        registry=registry,
        redis=redis,
        dynamodb=dynamodb,
        verifier=TokenVerifier(keys or key_set_from_settings(settings), settings.jwt_issuer,
                               settings.jwt_audience, settings.jwt_max_lifetime_seconds),
        revocations=Revocations(redis, settings.jwt_max_lifetime_seconds),
        accounts=AccountBinding(redis, settings.token_account_check_seconds),
        tables=TableCheck(dynamodb, service.tables, settings.table_prefix),
    )


def create_service_app(
    service: Service,
    settings: PlatformSettings,
    routers: Iterable[APIRouter],
    startup: Startup[Parts] | None = None,
    keys: KeySet | None = None,
    tracing_config: TracingSettings | None = None,
) -> FastAPI:
    """A FastAPI app with the platform's conventions for a service of the catalogue; ``startup`` adds the
    app's own lifespan work and builds the parts its routes use."""
    configure_logging(service.name, settings.log_level)
    tracing = start_tracing(service.name, settings.environment, tracing_config or tracing_settings())
    registry = CollectorRegistry()
    metrics = HttpMetrics(registry)
    dependency_metrics = DependencyMetrics(registry, service.name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context = build_context(service, settings, registry, dependency_metrics, keys, tracing)
        app.state.context = context
        try:
            async with AsyncExitStack() as running:
                if service.authenticates:
                    await running.enter_async_context(keeping_restored(context.revocations,
                                                                       settings.revocation_watch_seconds))
                if startup is not None:
                    app.state.parts = await running.enter_async_context(startup(context))
                yield
        finally:
            context.redis.close()
            tracing.shutdown()

    app = FastAPI(title=f"cnop {service.name}", lifespan=lifespan, redirect_slashes=False)
    app.add_middleware(RequestBodyGuard, max_bytes=settings.max_body_bytes, max_depth=settings.max_json_depth,
                       refuse=refused_body)
    app.add_middleware(ObservabilityMiddleware, service=service.name, metrics=metrics)
    tracing.instrument_app(app, (service.health_path, service.probe_path, service.metrics_path))
    install_error_handlers(app)
    for router in routers:
        app.include_router(router)

    @app.get(service.health_path, tags=["operations"], responses={
        **refusals(400), 503: {"description": "Degraded: a table is missing or Redis is unavailable"}})
    async def health(request: Request) -> JSONResponse:
        context: ServiceContext = request.app.state.context
        checks = {"dynamodb": await run_in_threadpool(context.tables.status),
                  "redis": await run_in_threadpool(redis_status, context.redis)}
        healthy = all(value == "ok" for value in checks.values())
        body = {"status": "healthy" if healthy else "degraded", "service": service.name, "checks": checks}
        return JSONResponse(body, status_code=200 if healthy else 503)

    @app.get(service.probe_path, tags=["operations"], responses=refusals(400))
    async def ready() -> dict[str, str]:
        """The kubelet's probe: this process answers. Dependencies are ``health_path``'s business."""
        return {"status": "ready", "service": service.name}

    @app.get(service.metrics_path, tags=["operations"], response_class=Response, responses={
        200: {"description": "Prometheus text format, or OpenMetrics (with exemplars) when the Accept header asks",
              "content": {"text/plain": {"schema": {"type": "string"}},
                          "application/openmetrics-text": {"schema": {"type": "string"}}}},
        **refusals(400)})
    async def metrics_endpoint(request: Request) -> Response:
        body, content_type = exposition(registry, request.headers.get("accept"))
        return Response(body, media_type=content_type)

    return app


def part(kind: type[Parts], pick: Callable[[Parts], Any]) -> Any:
    """A dependency on one of the parts the app's startup built (``kind`` is the app's parts class)."""

    def dependency(request: Request) -> Any:
        parts = request.app.state.parts
        if not isinstance(parts, kind):
            raise TypeError(f"this app's parts are {type(parts).__name__}, not {kind.__name__}")
        return pick(parts)

    return Depends(dependency)


def _context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


ContextDep = Annotated[ServiceContext, Depends(_context)]
