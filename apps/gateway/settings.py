from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from apps.common.services import upstreams
from apps.common.settings import PlatformSettings


class RateLimitRule(BaseModel):
    limit: int = Field(gt=0)
    period_seconds: float = Field(gt=0)


# Local defaults are generous: thousands per minute per client, so integration and load runs from one
# machine are not throttled. Production values live in the stack config; security runs set tight ones.
DEFAULT_RATE_LIMITS = {
    "default": RateLimitRule(limit=6000, period_seconds=60),
    "public": RateLimitRule(limit=12000, period_seconds=60),
    "auth": RateLimitRule(limit=3000, period_seconds=60),
    "login": RateLimitRule(limit=3000, period_seconds=60),
    "trading": RateLimitRule(limit=6000, period_seconds=60),
    "insights": RateLimitRule(limit=1200, period_seconds=60),
}


def upstream_env_name(service: str) -> str:
    return f"GATEWAY_{service.upper()}_URL"


class UpstreamUrls(PydanticBaseSettingsSource):
    """``GATEWAY_<NAME>_URL`` for each upstream of the catalogue, gathered into the ``upstreams`` field."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {entry.name: os.environ[upstream_env_name(entry.name)] for entry in upstreams()
                 if upstream_env_name(entry.name) in os.environ}
        return {"upstreams": found} if found else {}


class GatewaySettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", populate_by_name=True, extra="ignore", frozen=True)

    upstreams: dict[str, str] = Field(default_factory=lambda: {entry.name: entry.local_url for entry in upstreams()})
    """Base URL of each service behind the gateway, by catalogue name; each read from ``GATEWAY_<NAME>_URL``."""

    connect_timeout_seconds: float = Field(1.0, gt=0)
    read_timeout_seconds: float = Field(20.0, gt=0)
    max_connections_per_upstream: int = Field(200, ge=1)
    upstream_idle_seconds: float = Field(4.0, gt=0)
    """A pooled connection idle this long is closed, not reused: below the apps' ``SERVER_KEEP_ALIVE_SECONDS``
    (5), so the gateway never writes a request to a connection the app is closing."""

    response_cache_entries: int = Field(1024, ge=0)
    """Public answers an app marks cacheable kept at once (apps/gateway/response_cache.py); 0 turns it off."""
    response_cache_max_seconds: float = Field(5.0, ge=0)
    """The longest the gateway keeps an answer, whatever its ``max-age`` says."""
    response_cache_max_body_bytes: int = Field(256 * 1024, ge=0)

    rate_limits: dict[str, RateLimitRule] = Field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    rate_limit_fail_mode: Literal["open", "closed"] = "open"
    """What the limiter does when Redis is unavailable: let requests through (open) or refuse them."""
    trusted_proxies: list[str] = Field(default_factory=list)
    """Peers (addresses or CIDRs) whose X-Forwarded-For is believed."""
    cors_origins: list[str] = Field(default_factory=lambda: ["http://localhost:3000"])

    login_max_failures: int = Field(5, ge=1)
    login_failure_window_seconds: int = Field(300, ge=1)
    login_block_seconds: int = Field(900, ge=1)
    login_max_failures_per_username: int = Field(20, ge=0)
    """Failed logins against one username, from any clients, that lock its logins for the block period
    (0: no such lock). Kept above ``login_max_failures``: one client is blocked long before."""

    breaker_failure_threshold: int = Field(5, ge=1)
    breaker_cooldown_seconds: float = Field(10.0, gt=0)
    breaker_half_open_successes: int = Field(1, ge=1)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, UpstreamUrls(settings_cls), env_settings, dotenv_settings, file_secret_settings

    @field_validator("upstreams")
    @classmethod
    def _every_upstream(cls, given: dict[str, str]) -> dict[str, str]:
        """Given URLs replace the catalogue's local defaults; a name the catalogue does not know is an error."""
        known = {entry.name: entry.local_url for entry in upstreams()}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ValueError(f"unknown upstreams {unknown}; the catalogue's are {sorted(known)}")
        return {**known, **given}

    @field_validator("rate_limits")
    @classmethod
    def _over_the_defaults(cls, groups: dict[str, RateLimitRule]) -> dict[str, RateLimitRule]:
        """Configured groups replace the defaults of the same name; the others keep their default."""
        return {**DEFAULT_RATE_LIMITS, **groups}

    def rule_for(self, group: str) -> RateLimitRule:
        return self.rate_limits.get(group) or self.rate_limits["default"]



@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
