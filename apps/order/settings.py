from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from apps.common.settings import PlatformSettings


class OrderSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="ORDER_", populate_by_name=True, extra="ignore", frozen=True)

    max_notional_usd: Decimal = Field(Decimal("10000"), gt=0)
    min_quantity: Decimal = Field(Decimal("0.001"), gt=0)
    idempotency_ttl_seconds: int = Field(86400, ge=60)
    lock_ttl_ms: int = Field(5000, ge=100)
    lock_wait_ms: int = Field(2000, ge=0)


@lru_cache
def get_settings() -> OrderSettings:
    return OrderSettings()
