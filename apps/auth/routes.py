from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from apps.auth.deps import AccountsDep, SignerDep
from apps.auth.schemas import (
    LoginRequest,
    Message,
    Profile,
    ProfileUpdate,
    ProfileUpdated,
    RegisterRequest,
    TokenResponse,
)
from apps.common.models import UserItem
from apps.common.openapi import refusals, service_refusals
from apps.common.security import CurrentClaims, CurrentUser
from apps.common.service import ContextDep

router = APIRouter(prefix="/auth", tags=["auth"], responses=service_refusals())
keys_router = APIRouter(tags=["auth"], responses=refusals(400))  # served from memory: no store to miss


def _profile(user: UserItem) -> Profile:
    return Profile(
        username=user.username,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        phone=user.phone,
        date_of_birth=date.fromisoformat(user.date_of_birth) if user.date_of_birth else None,
        marketing_emails_consent=user.marketing_emails_consent,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


@router.post("/register", status_code=201, responses=refusals(409, 413, 422))
def register(body: RegisterRequest, accounts: AccountsDep) -> Message:
    accounts.register(body)
    return Message(message="User registered successfully")


@router.post("/login", responses=refusals(401, 413, 422))
def login(body: LoginRequest, accounts: AccountsDep, signer: SignerDep) -> TokenResponse:
    user = accounts.authenticate(body.username, body.password)
    return TokenResponse(access_token=signer.issue(user.username, str(user.user_id)), expires_in=signer.ttl_seconds)


@router.post("/logout", responses=refusals(401, 413))
def logout(claims: CurrentClaims, context: ContextDep) -> Message:
    context.revocations.revoke(claims)
    return Message(message="Logged out successfully")


@router.get("/profile", responses=refusals(401, 404))
def get_profile(username: CurrentUser, accounts: AccountsDep) -> Profile:
    return _profile(accounts.profile(username))


@router.put("/profile", responses=refusals(401, 404, 409, 413, 422))
def update_profile(body: ProfileUpdate, username: CurrentUser, accounts: AccountsDep) -> ProfileUpdated:
    return ProfileUpdated(user=_profile(accounts.update_profile(username, body)))


@keys_router.get("/.well-known/jwks.json")
def jwks(signer: SignerDep) -> dict[str, list[dict[str, str]]]:
    return signer.jwks()
