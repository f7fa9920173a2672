from __future__ import annotations

from typing import Annotated

from apps.common.ledger import Ledger
from apps.common.locks import UserLocks
from apps.common.market import MarketData
from apps.common.service import from_context
from apps.user.settings import UserSettings

LedgerDep = Annotated[Ledger, from_context("ledger")]
LocksDep = Annotated[UserLocks, from_context("locks")]
MarketDep = Annotated[MarketData, from_context("market")]
SettingsDep = Annotated[UserSettings, from_context("settings")]
