"""Settings shared by every app: one configuration contract for the localstack, dev and prod environments.

Shared fields read fixed environment names (``ENVIRONMENT``, ``AWS_ENDPOINT_URL``, ``TABLE_PREFIX``,
``REDIS_URL``, ...); each app subclasses with its own ``env_prefix`` for what only it reads.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from apps.common.services import token_issuer
from apps.common.tables import default_table_prefix

Environment = Literal["localstack", "dev", "prod"]


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    environment: Environment = Field("localstack", validation_alias="ENVIRONMENT")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")

    aws_region: str = Field("us-east-1", validation_alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(None, validation_alias="AWS_ENDPOINT_URL")
    aws_access_key_id: str | None = Field(None, validation_alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: SecretStr | None = Field(None, validation_alias="AWS_SECRET_ACCESS_KEY")
    table_prefix_override: str | None = Field(None, validation_alias="TABLE_PREFIX")
    dynamodb_timeout_seconds: float = Field(2.0, gt=0, validation_alias="DYNAMODB_TIMEOUT_SECONDS")

    redis_url: SecretStr = Field(SecretStr("redis://127.0.0.1:6379/0"), validation_alias="REDIS_URL")
    redis_timeout_seconds: float = Field(1.0, gt=0, validation_alias="REDIS_TIMEOUT_SECONDS")

    max_body_bytes: int = Field(65536, ge=1024, validation_alias="MAX_BODY_BYTES")
    """Larger request bodies are refused with 413 before they are read whole."""
    max_json_depth: int = Field(32, ge=2, le=256, validation_alias="MAX_JSON_DEPTH")
    """JSON bodies nested deeper are refused with 400 before any parser sees them."""

    jwt_issuer: str = Field("cnop-auth", validation_alias="JWT_ISSUER")
    jwt_audience: str = Field("cnop-api", validation_alias="JWT_AUDIENCE")
    jwt_public_key: SecretStr | None = Field(None, validation_alias="JWT_PUBLIC_KEY")
    jwks_url: str | None = Field(None, validation_alias="JWKS_URL")
    jwt_max_lifetime_seconds: int = Field(86400, ge=60, validation_alias="JWT_MAX_LIFETIME_SECONDS")
    """Tokens whose ``exp`` is further than this from their ``iat`` are refused, whoever signed them."""
    token_account_check_seconds: float = Field(5.0, ge=0, validation_alias="TOKEN_ACCOUNT_CHECK_SECONDS")
    """How long the platform trusts that a token's account still exists with its id before reading it again
    (one confirmation in Redis, shared by every app)."""
    revocation_watch_seconds: float = Field(1.0, gt=0, validation_alias="REVOCATION_WATCH_SECONDS")
    """How often apps check that Redis still holds the revocations (and copy them back when it lost them)."""

    @property
    def is_local(self) -> bool:
        return self.environment == "localstack"

    @property
    def table_prefix(self) -> str:
        if self.table_prefix_override is not None:
            return self.table_prefix_override
        return default_table_prefix(self.environment)

    @property
    def resolved_jwks_url(self) -> str:
        return self.jwks_url or f"{token_issuer().local_url}/.well-known/jwks.json"

    @model_validator(mode="after")
    def _outside_local_keys_are_explicit(self) -> PlatformSettings:
        if not self.is_local and self.jwt_public_key is None and self.jwks_url is None:
            raise ValueError(
                f"ENVIRONMENT={self.environment} needs JWT_PUBLIC_KEY or JWKS_URL: "
                "only the local stack may discover the auth app at its default address"
            )
        return self
