from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from apps.common.settings import PlatformSettings


class AuthSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", populate_by_name=True, extra="ignore", frozen=True)

    jwt_private_key: SecretStr | None = None
    """PEM of the P-256 signing key; only the local stack may run without one (a key is generated)."""
    jwt_next_private_key: SecretStr | None = None
    """PEM of a second P-256 key, published in the JWKS beside the signing key but not used to sign: the next
    key before a rotation switches to it, or the previous one after, so that no token in flight is refused."""
    token_ttl_seconds: int = Field(3600, ge=60, le=86400)
    password_time_cost: int = Field(2, ge=1)
    password_memory_kib: int = Field(19456, ge=8192)
    password_parallelism: int = Field(1, ge=1)
    password_hashes_at_once: int = Field(1, ge=1, le=64)
    """Password hashes (registrations, logins, password checks) one process computes at the same time; more
    wait their turn. Each takes a core and ``password_memory_kib`` for its duration: a burst of sign-ups then
    costs the process at most this many cores and this many times the memory, and leaves the machine's other
    cores to everything else (locally, the other apps; in a cluster, the pod stays inside its limits)."""

    @model_validator(mode="after")
    def _signing_key_outside_local(self) -> AuthSettings:
        if not self.is_local and self.jwt_private_key is None:
            raise ValueError(f"ENVIRONMENT={self.environment} requires AUTH_JWT_PRIVATE_KEY")
        if self.jwt_next_private_key is not None and self.jwt_private_key is None:
            raise ValueError("AUTH_JWT_NEXT_PRIVATE_KEY needs AUTH_JWT_PRIVATE_KEY: which key signs?")
        if self.token_ttl_seconds > self.jwt_max_lifetime_seconds:
            raise ValueError("AUTH_TOKEN_TTL_SECONDS exceeds JWT_MAX_LIFETIME_SECONDS: every token would be refused")
        return self


@lru_cache
def get_settings() -> AuthSettings:
    return AuthSettings()
