from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from apps.common.settings import PlatformSettings

ProviderChoice = Literal["auto", "gemini", "offline"]


class InsightsSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="INSIGHTS_", populate_by_name=True, extra="ignore", frozen=True,
                                      env_parse_none_str="none")

    provider: ProviderChoice = "auto"
    """``auto``: Gemini when its key is set, else the offline analyst; a forced ``gemini`` without key is 503."""
    gemini_api_key: SecretStr | None = Field(None, validation_alias="GOOGLE_GEMINI_API_KEY")
    gemini_model: str = Field("gemini-2.5-flash", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    gemini_base_url: str = Field("https://generativelanguage.googleapis.com/", min_length=1)
    gemini_api_version: str = Field("v1beta", pattern=r"^v[0-9a-z]+$")
    gemini_timeout_seconds: float = Field(10.0, gt=0, le=120)
    """One attempt, no SDK retries: this bounds the wait for each connect, write and read of the call."""
    gemini_thinking_budget: int | None = Field(0, ge=-1)
    """Thinking tokens count against the output cap: 0 turns thinking off (the 2.5 Flash models), -1 is the
    API's dynamic thinking, ``none`` sends no thinking config (models that cannot switch thinking off)."""
    max_output_tokens: int = Field(256, ge=16, le=8192)
    temperature: float = Field(0.3, ge=0, le=2)
    max_prompt_holdings: int = Field(10, ge=1, le=10)
    """Holdings (largest first) described in the prompt; the rest are summed into one line."""
    max_prompt_chars: int = Field(4000, ge=500, le=32000)
    """Hard cap on the prompt's portfolio text; lines past it are left out."""
    cache_ttl_seconds: int = Field(86400, ge=60)
    """How long an analysis of one portfolio state is reused; also the DynamoDB TTL of the cache item."""
    cache_price_digits: int = Field(3, ge=1, le=28)
    """Significant digits of prices and values in the cache's portfolio hash (cash and quantities are exact)."""

    @property
    def gemini_configured(self) -> bool:
        return self.gemini_api_key is not None and bool(self.gemini_api_key.get_secret_value().strip())


@lru_cache
def get_settings() -> InsightsSettings:
    return InsightsSettings()
