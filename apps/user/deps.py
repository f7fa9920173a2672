from __future__ import annotations

from typing import Annotated

from apps.common.market import MarketData
from apps.common.service import from_context
from apps.user.cashier import Cashier

CashierDep = Annotated[Cashier, from_context("cashier")]
MarketDep = Annotated[MarketData, from_context("market")]
