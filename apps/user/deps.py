"""The user app's parts, built at start-up, and the dependencies its routes read them through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from apps.common.market import MarketData
from apps.common.service import part
from apps.user.cashier import Cashier


@dataclass(frozen=True)
class UserParts:
    cashier: Cashier
    market: MarketData


CashierDep = Annotated[Cashier, part(UserParts, lambda parts: parts.cashier)]
MarketDep = Annotated[MarketData, part(UserParts, lambda parts: parts.market)]
