from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from apps.common.settings import PlatformSettings


class UserSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="USER_", populate_by_name=True, extra="ignore", frozen=True)

    daily_deposit_limit: Decimal = Field(Decimal("10000"), gt=0)
    daily_withdraw_limit: Decimal = Field(Decimal("5000"), gt=0)
    lock_ttl_ms: int = Field(5000, ge=100)
    lock_wait_ms: int = Field(2000, ge=0)


@lru_cache
def get_settings() -> UserSettings:
    return UserSettings()
