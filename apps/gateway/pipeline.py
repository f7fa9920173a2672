"""What happens to one request on a configured route, in order: identity, admission, body, upstream."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import Response

from apps.common.bodies import BODY_METHODS
from apps.common.tokens import Claims, InvalidToken, bearer_token
from apps.gateway.admission import Admission, AdmissionControl
from apps.gateway.bruteforce import LoginGuard, Reservation, target_username
from apps.gateway.clients import ClientAddresses, GatewayTokens
from apps.gateway.errors import (
    AUTH_CLIENT_BLOCKED,
    AUTH_INVALID_TOKEN,
    BAD_REQUEST,
    RATE_LIMITED,
    UPSTREAM_UNAVAILABLE,
    gateway_error,
)
from apps.gateway.metrics import GatewayMetrics
from apps.gateway.proxy import Upstream, request_target, upstream_headers
from apps.gateway.response_cache import ResponseCache, asks_to_revalidate
from apps.gateway.route_table import RouteSpec, has_dot_segment, matched_path, upstream_path
from apps.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)


@dataclass
class Gateway:
    settings: GatewaySettings
    redis: Redis
    tokens: GatewayTokens
    admission: AdmissionControl
    login_guard: LoginGuard
    addresses: ClientAddresses
    upstreams: dict[str, Upstream]
    metrics: GatewayMetrics
    cache: ResponseCache

    async def handle(self, spec: RouteSpec, request: Request) -> Response:
        raw_path = request.scope["raw_path"].decode("latin-1")
        if has_dot_segment(raw_path):
            return gateway_error(404, BAD_REQUEST, "No such route")
        peer = request.client.host if request.client else "unknown"
        client = self.addresses.resolve(peer, request.headers.get("x-forwarded-for"))
        claims: Claims | None = None
        if spec.auth:
            try:
                claims = await self.tokens.verify(bearer_token(request.headers.get("authorization")))
            except InvalidToken as exc:
                return self._unauthorized(exc.reason)
        try:
            admission = await self.admission.admit(
                self.settings.rule_for(spec.group),
                spec.group, client, claims.username if claims else None, claims.jti if claims else None,
                spec.login,
            )
        except RedisError as exc:
            refusal = self._redis_unavailable(spec, exc)
            if refusal is not None:
                return refusal
            admission = None
        if admission is not None and admission.outcome != "allowed":
            return self._refused(spec, admission)

        body = await request.body()
        parsed = _json(body) if request.method in BODY_METHODS and body else None
        if parsed is _NOT_JSON:
            return gateway_error(400, BAD_REQUEST, "Request body is not valid JSON")
        path = upstream_path(matched_path(spec, request.path_params))
        query = request.scope["query_string"].decode("latin-1")
        headers = upstream_headers(request.scope["headers"], client, claims.username if claims else None)
        upstream = self.upstreams[spec.upstream]
        target = request_target(path, query)
        if spec.login:
            response = await self._guarded_login(client, target_username(parsed),
                                                 lambda: upstream.forward(request.method, target, headers, body))
        elif not spec.auth and request.method == "GET" and self.cache.enabled:
            response = await self._cached_or_forwarded(upstream, target, headers)
        else:
            response = await upstream.forward(request.method, target, headers, body)
        if admission is not None:
            response.headers.update(admission.rate_headers())
        if spec.auth:
            response.headers["Cache-Control"] = "no-store"
        return response

    async def _cached_or_forwarded(self, upstream: Upstream, target: str,
                                   headers: list[tuple[bytes, bytes]]) -> Response:
        """A public read: from the cache while the app's ``max-age`` lasts, else forwarded (and stored)."""
        if not asks_to_revalidate(headers):
            cached = self.cache.get(target)
            if cached is not None:
                self.metrics.response_cache.labels("hit").inc()
                return cached
        self.metrics.response_cache.labels("miss").inc()
        response = await upstream.forward("GET", target, headers, b"")
        self.cache.store(target, response)
        return response

    async def _guarded_login(self, client: str, username: str,
                             forward: Callable[[], Awaitable[Response]]) -> Response:
        """The login forwarded only on a reservation of the brute-force guard; its outcome counted after."""
        try:
            reservation = await self.login_guard.reserve(client, username)
        except RedisError as exc:
            log.warning("brute-force guard unavailable: %s", type(exc).__name__)
            return await forward()
        if reservation.outcome != "reserved":
            return self._login_refused(reservation)
        status = 0
        try:
            response = await forward()
            status = response.status_code
            return response
        finally:
            await self._after_login(client, username, status)

    def _login_refused(self, reservation: Reservation) -> Response:
        retry = {"Retry-After": str(reservation.retry_after_seconds)}
        if reservation.outcome == "account_locked":
            self.metrics.blocked_requests.inc()
            return gateway_error(403, AUTH_CLIENT_BLOCKED, "Too many failed logins for this account: try later",
                                 headers=retry)
        self.metrics.rate_limited.labels("login").inc()
        return gateway_error(429, RATE_LIMITED, "Too many login attempts at once from this client", headers=retry)

    def _unauthorized(self, reason: str) -> Response:
        self.metrics.auth_failures.labels(reason).inc()
        return gateway_error(401, AUTH_INVALID_TOKEN, "Missing, invalid, expired or revoked token",
                             headers={"WWW-Authenticate": "Bearer"})

    def _refused(self, spec: RouteSpec, admission: Admission) -> Response:
        if admission.outcome == "revoked":
            return self._unauthorized("revoked")
        if admission.outcome == "revocations_unknown":  # Redis lost its data; the apps are copying it back
            return self._checks_unavailable()
        if admission.outcome == "blocked":
            self.metrics.blocked_requests.inc()
            return gateway_error(403, AUTH_CLIENT_BLOCKED, "Too many failed logins: this client is blocked",
                                 headers={"Retry-After": str(max(1, admission.retry_after_seconds))})
        self.metrics.rate_limited.labels(spec.group).inc()
        return gateway_error(429, RATE_LIMITED, f"Rate limit exceeded for {spec.group} requests",
                             headers={**admission.rate_headers(), "Retry-After": str(admission.retry_after_seconds)})

    def _redis_unavailable(self, spec: RouteSpec, exc: RedisError) -> Response | None:
        """Without Redis the revocation list cannot be read, so authenticated routes are refused; public
        routes follow GATEWAY_RATE_LIMIT_FAIL_MODE (open: served without a limit; closed: refused)."""
        log.warning("admission checks unavailable: %s", type(exc).__name__)
        if spec.auth or self.settings.rate_limit_fail_mode == "closed":
            return self._checks_unavailable()
        self.metrics.limiter_unavailable.labels("allowed").inc()
        return None

    def _checks_unavailable(self) -> Response:
        self.metrics.limiter_unavailable.labels("refused").inc()
        return gateway_error(503, UPSTREAM_UNAVAILABLE, "Security checks are temporarily unavailable",
                             headers={"Retry-After": "1"})

    async def _after_login(self, client: str, username: str, status: int) -> None:
        try:
            if status == 401:
                failure = await self.login_guard.failed(client, username)
                if failure.client_blocked or failure.account_locked:
                    self.metrics.login_blocks.inc()
            elif status == 200:
                await self.login_guard.succeeded(client, username)
            else:
                await self.login_guard.released(client, username)
        except RedisError as exc:
            log.warning("brute-force guard unavailable: %s", type(exc).__name__)


_NOT_JSON = object()


def _json(body: bytes) -> object:
    """The parsed body (UTF-8 with its nesting bounded, by the body guard), or ``_NOT_JSON``."""
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # RecursionError too: the guard is the bound, not the only defence
        return _NOT_JSON

