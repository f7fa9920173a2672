"""Every environment variable any app reads, from the settings classes themselves (one source of truth)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic_settings import BaseSettings

from apps.auth.settings import AuthSettings
from apps.common.server_settings import ServerSettings
from apps.common.settings import PlatformSettings
from apps.gateway.settings import GatewaySettings
from apps.insights.settings import InsightsSettings
from apps.inventory.settings import InventorySettings
from apps.order.settings import OrderSettings
from apps.user.settings import UserSettings

SETTINGS_CLASSES: tuple[type[BaseSettings], ...] = (
    PlatformSettings, AuthSettings, UserSettings, InventorySettings, OrderSettings, InsightsSettings,
    GatewaySettings, ServerSettings,
)


def env_names(settings_class: type[BaseSettings]) -> Iterator[str]:
    """The variables this class reads beyond the shared ones (all of them for PlatformSettings)."""
    prefix = settings_class.model_config.get("env_prefix", "")
    for name, field in settings_class.model_fields.items():
        if settings_class is not PlatformSettings and name in PlatformSettings.model_fields:
            continue
        yield field.validation_alias if isinstance(field.validation_alias, str) else f"{prefix}{name.upper()}"


def all_env_names() -> set[str]:
    return {name for settings_class in SETTINGS_CLASSES for name in env_names(settings_class)}
