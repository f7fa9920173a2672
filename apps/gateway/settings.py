from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import SettingsConfigDict

from apps.common.services import local_url
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


class GatewaySettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", populate_by_name=True, extra="ignore", frozen=True)

    auth_url: str = local_url("auth")
    user_url: str = local_url("user")
    inventory_url: str = local_url("inventory")
    order_url: str = local_url("order")
    insights_url: str = local_url("insights")

    connect_timeout_seconds: float = Field(1.0, gt=0)
    read_timeout_seconds: float = Field(20.0, gt=0)
    max_connections_per_upstream: int = Field(200, ge=1)

    rate_limits: dict[str, RateLimitRule] = Field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    rate_limit_fail_mode: Literal["open", "closed"] = "open"
    """What the limiter does when Redis is unavailable: let requests through (open) or refuse them."""
    trusted_proxies: list[str] = Field(default_factory=list)
    """Peers (addresses or CIDRs) whose X-Forwarded-For is believed."""
    cors_origins: list[str] = Field(default_factory=lambda: ["http://localhost:3000"])

    login_max_failures: int = Field(5, ge=1)
    login_failure_window_seconds: int = Field(300, ge=1)
    login_block_seconds: int = Field(900, ge=1)

    breaker_failure_threshold: int = Field(5, ge=1)
    breaker_cooldown_seconds: float = Field(10.0, gt=0)
    breaker_half_open_successes: int = Field(1, ge=1)

    @field_validator("rate_limits")
    @classmethod
    def _over_the_defaults(cls, groups: dict[str, RateLimitRule]) -> dict[str, RateLimitRule]:
        """Configured groups replace the defaults of the same name; the others keep their default."""
        return {**DEFAULT_RATE_LIMITS, **groups}

    def rule_for(self, group: str) -> RateLimitRule:
        return self.rate_limits.get(group) or self.rate_limits["default"]

    def upstream_urls(self) -> dict[str, str]:
        return {
            "auth": self.auth_url,
            "user": self.user_url,
            "inventory": self.inventory_url,
            "order": self.order_url,
            "insights": self.insights_url,
        }


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
