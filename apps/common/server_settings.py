"""How every app's HTTP server treats connections: read deadlines, the connection cap, keep-alive (``SERVER_*``).

Read by ``apps/serve.py`` once at start; the apps themselves never see these values.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SERVER_", extra="ignore", frozen=True)

    header_timeout_seconds: float = Field(10.0, gt=0)
    """A request line and its headers must be complete this long after the connection opened (first request)
    or after the request's first byte (later requests): otherwise 408 and the connection is closed."""
    body_timeout_seconds: float = Field(30.0, gt=0)
    """The whole request body must arrive this long after its headers: otherwise 408 and the connection is
    closed. A deadline for the whole body, not per read, so a body trickled a byte at a time is cut off too."""
    write_timeout_seconds: float = Field(30.0, gt=0)
    """A client that stops reading while its answers pile up gets this long to read again; then the connection
    is dropped (answers to pipelined requests it never reads cannot hold a connection)."""
    max_connections: int = Field(2048, gt=0)
    """Open connections per process; a connection beyond it is closed as soon as it is accepted."""
    keep_alive_seconds: int = Field(5, gt=0)
    """Idle time allowed between two requests on one connection (uvicorn's keep-alive timeout)."""
