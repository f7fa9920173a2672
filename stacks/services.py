"""What each app needs from the platform: its tables (the IRSA role's scope) and its secrets.

The tables per app mirror each app's ``create_service_app(tables=...)``; ``tests/infra`` proves they agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.common.tables import INVENTORY, ORDERS, USERS, TableDefinition


@dataclass(frozen=True)
class ServiceNeeds:
    tables: tuple[TableDefinition, ...] = ()
    signs_tokens: bool = False
    """Gets ``AUTH_JWT_PRIVATE_KEY``."""
    calls_gemini: bool = False
    """Gets ``GOOGLE_GEMINI_API_KEY`` when the stack has one."""
    public: bool = False
    """The only app reachable from outside the cluster."""


SERVICES: dict[str, ServiceNeeds] = {
    "auth": ServiceNeeds(tables=(USERS,), signs_tokens=True),
    "user": ServiceNeeds(tables=(USERS, INVENTORY)),
    "inventory": ServiceNeeds(tables=(INVENTORY,)),
    "order": ServiceNeeds(tables=(ORDERS, USERS, INVENTORY)),
    "insights": ServiceNeeds(tables=(USERS, ORDERS, INVENTORY), calls_gemini=True),
    "gateway": ServiceNeeds(public=True),
}
