"""The one server entry point keeps what the uvicorn command lines promised, plus the slow-client limits."""

from __future__ import annotations

from apps.common.server_protocol import GuardedHttpProtocol
from apps.common.server_settings import ServerSettings
from apps.serve import server_config


def test_the_app_factory_on_the_guarded_protocol_without_proxy_headers() -> None:
    settings = ServerSettings(header_timeout_seconds=2, body_timeout_seconds=3, max_connections=4, keep_alive_seconds=6)
    config = server_config("order", "127.0.0.1", 8004, settings)
    assert (config.app, config.factory, config.host, config.port) == ("apps.order.main:create_app", True,
                                                                       "127.0.0.1", 8004)
    assert config.proxy_headers is False  # the gateway alone decides whose X-Forwarded-For to believe
    assert config.access_log is False
    assert isinstance(config.http, type) and issubclass(config.http, GuardedHttpProtocol)
    assert config.http.limits is settings
    assert config.timeout_keep_alive == 6

