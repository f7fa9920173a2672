"""The authenticated caller, for the apps behind the gateway: verified again here (defence in depth)."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from apps.common.errors import NotAuthenticated
from apps.common.settings import PlatformSettings
from apps.common.tokens import Claims, InvalidToken, KeySet, RevocationList, TokenVerifier

bearer_scheme = HTTPBearer(auto_error=False, description="JWT issued by POST /api/v1/auth/login")


def key_set_from_settings(settings: PlatformSettings) -> KeySet:
    """The static public key when configured, otherwise the auth app's JWKS, fetched on demand."""
    if settings.jwt_public_key is not None:
        return KeySet.from_pem(settings.jwt_public_key.get_secret_value())
    url = settings.resolved_jwks_url

    def fetch() -> dict[str, object]:
        response = httpx.get(url, timeout=2.0)
        response.raise_for_status()
        document: dict[str, object] = response.json()
        return document

    return KeySet(fetch=fetch)


def verified_claims(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Claims:
    if credentials is None:
        raise NotAuthenticated("Authentication required")
    verifier: TokenVerifier = request.app.state.context.verifier
    revocations: RevocationList = request.app.state.context.revocations
    try:
        claims = verifier.decode(credentials.credentials)
    except InvalidToken as exc:
        raise NotAuthenticated("Invalid or expired token") from exc
    except (httpx.HTTPError, ValueError) as exc:  # the auth app's JWKS could not be fetched or read
        raise NotAuthenticated("Token keys are unavailable, please retry") from exc
    if revocations.is_revoked(claims.jti):
        raise NotAuthenticated("Token has been revoked")
    return claims


def current_username(claims: Annotated[Claims, Depends(verified_claims)]) -> str:
    return claims.username


CurrentClaims = Annotated[Claims, Depends(verified_claims)]
CurrentUser = Annotated[str, Depends(current_username)]
