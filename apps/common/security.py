"""The authenticated caller, for the apps behind the gateway: verified again here (defence in depth)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

import httpx
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from apps.common.errors import NotAuthenticated
from apps.common.models import UserItem
from apps.common.revocations import Revocations
from apps.common.settings import PlatformSettings
from apps.common.tokens import Claims, InvalidToken, KeySet, TokenVerifier

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


class AccountBinding:
    """A token is good only for the account it was issued to: the user item must still exist and carry the
    token's ``uid`` (after a lost table and a re-registration, the name belongs to another account).
    A confirmation is trusted for ``check_seconds``, so an app reads each user's item at most that often."""

    MAX_REMEMBERED = 10_000

    def __init__(self, check_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.check_seconds = check_seconds
        self._clock = clock
        self._confirmed: dict[tuple[str, str], float] = {}

    def confirm(self, claims: Claims) -> None:
        key = (claims.username, claims.user_id)
        confirmed_at = self._confirmed.get(key)
        if confirmed_at is not None and self._clock() - confirmed_at < self.check_seconds:
            return
        user = UserItem.find(claims.username, consistent=True)
        if user is None or user.user_id != claims.user_id:
            self._confirmed.pop(key, None)
            raise NotAuthenticated("This token's account no longer exists")
        if len(self._confirmed) >= self.MAX_REMEMBERED:
            self._confirmed.clear()
        self._confirmed[key] = self._clock()


def verified_claims(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Claims:
    if credentials is None:
        raise NotAuthenticated("Authentication required")
    verifier: TokenVerifier = request.app.state.context.verifier
    revocations: Revocations = request.app.state.context.revocations
    accounts: AccountBinding = request.app.state.context.accounts
    try:
        claims = verifier.decode(credentials.credentials)
    except InvalidToken as exc:
        raise NotAuthenticated("Invalid or expired token") from exc
    except (httpx.HTTPError, ValueError) as exc:  # the auth app's JWKS could not be fetched or read
        raise NotAuthenticated("Token keys are unavailable, please retry") from exc
    if revocations.is_revoked(claims.jti):
        raise NotAuthenticated("Token has been revoked")
    accounts.confirm(claims)
    return claims


def current_username(claims: Annotated[Claims, Depends(verified_claims)]) -> str:
    return claims.username


CurrentClaims = Annotated[Claims, Depends(verified_claims)]
CurrentUser = Annotated[str, Depends(current_username)]
