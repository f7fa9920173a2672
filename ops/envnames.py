"""Every environment variable any app reads, from the settings classes themselves (one source of truth):
the shared ones, each service's of the catalogue, the HTTP server's and tracing's."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic_settings import BaseSettings

from apps.common.server_settings import ServerSettings
from apps.common.services import SERVICES, upstreams
from apps.common.settings import PlatformSettings
from apps.common.tracing import TracingSettings
from apps.gateway.settings import GatewaySettings, upstream_env_name


def settings_classes() -> tuple[type[BaseSettings], ...]:
    return (PlatformSettings, *(entry.settings_class() for entry in SERVICES), ServerSettings, TracingSettings)


def env_name(settings_class: type[BaseSettings], field: str) -> str:
    """The variable that sets ``field`` of ``settings_class``."""
    info = settings_class.model_fields[field]
    if isinstance(info.validation_alias, str):
        return info.validation_alias
    return f"{settings_class.model_config.get('env_prefix', '')}{field.upper()}"


def env_names(settings_class: type[BaseSettings]) -> Iterator[str]:
    """The variables this class reads beyond the shared ones (all of them for PlatformSettings)."""
    for field in settings_class.model_fields:
        if settings_class is not PlatformSettings and field in PlatformSettings.model_fields:
            continue
        if issubclass(settings_class, GatewaySettings) and field == "upstreams":
            yield from (upstream_env_name(entry.name) for entry in upstreams())
            continue
        yield env_name(settings_class, field)


def all_env_names() -> set[str]:
    return {name for settings_class in settings_classes() for name in env_names(settings_class)}


def field_of(settings_class: type[BaseSettings], name: str) -> str | None:
    """The field of ``settings_class`` that variable ``name`` sets, if any."""
    return next((field for field in settings_class.model_fields if env_name(settings_class, field) == name), None)
