"""The order app's parts, built at start-up, and the dependencies its routes read them through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from apps.common.market import MarketData
from apps.common.service import part
from apps.order.placing import OrderDesk


@dataclass(frozen=True)
class OrderParts:
    desk: OrderDesk
    market: MarketData


DeskDep = Annotated[OrderDesk, part(OrderParts, lambda parts: parts.desk)]
MarketDep = Annotated[MarketData, part(OrderParts, lambda parts: parts.market)]
