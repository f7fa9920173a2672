from __future__ import annotations

from typing import Annotated

from apps.common.market import MarketData
from apps.common.service import from_context
from apps.order.placing import OrderDesk

DeskDep = Annotated[OrderDesk, from_context("desk")]
MarketDep = Annotated[MarketData, from_context("market")]
