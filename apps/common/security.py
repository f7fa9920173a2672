"""The authenticated caller, for the apps behind the gateway: verified again here (defence in depth)."""

from __future__ import annotations

import contextlib
from typing import Annotated

import httpx
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis import Redis
from redis.exceptions import RedisError

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

    A confirmation is kept in Redis for ``check_seconds`` and shared by every app: each user's item is read
    at most once in that time by the whole platform, not once per app process. The confirmation is read in
    the same round trip as the revocation check (``Revocations.is_revoked_reading``), so a confirmed request
    costs no extra call. A confirmation that cannot be stored only means the next request reads the item.
    """

    PREFIX = "cnop:account-confirmed:"

    def __init__(self, redis: Redis, check_seconds: float):
        self.redis = redis
        self.check_seconds = check_seconds

    def key(self, username: str) -> str:
        return f"{self.PREFIX}{username}"

    def confirm(self, claims: Claims, confirmed_id: str | None) -> None:
        """Passes when ``confirmed_id`` (the shared confirmation, read with the revocation check) is the
        token's account id, or when the user item says so now; raises ``NotAuthenticated`` otherwise."""
        if confirmed_id is not None and confirmed_id == claims.user_id:
            return
        user = UserItem.find(claims.username, consistent=True)
        if user is None or user.user_id != claims.user_id:
            raise NotAuthenticated("This token's account no longer exists")
        if self.check_seconds > 0:
            lasting_ms = max(1, int(self.check_seconds * 1000))
            with contextlib.suppress(RedisError):
                self.redis.set(self.key(claims.username), claims.user_id, px=lasting_ms)


def checked_claims(token: str, verifier: TokenVerifier, revocations: Revocations,
                   accounts: AccountBinding) -> Claims:
    """The token's claims once it is verified, not revoked and bound to its account; ``NotAuthenticated``
    otherwise. One Redis round trip (revocation and account confirmation together) for a remembered token."""
    try:
        claims = verifier.decode(token)
    except InvalidToken as exc:
        raise NotAuthenticated("Invalid or expired token") from exc
    except (httpx.HTTPError, ValueError) as exc:  # the auth app's JWKS could not be fetched or read
        raise NotAuthenticated("Token keys are unavailable, please retry") from exc
    revoked, confirmed_id = revocations.is_revoked_reading(claims.jti, accounts.key(claims.username))
    if revoked:
        raise NotAuthenticated("Token has been revoked")
    accounts.confirm(claims, confirmed_id)
    return claims


def verified_claims(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Claims:
    if credentials is None:
        raise NotAuthenticated("Authentication required")
    context = request.app.state.context
    return checked_claims(credentials.credentials, context.verifier, context.revocations, context.accounts)


def current_username(claims: Annotated[Claims, Depends(verified_claims)]) -> str:
    return claims.username


CurrentClaims = Annotated[Claims, Depends(verified_claims)]
CurrentUser = Annotated[str, Depends(current_username)]
