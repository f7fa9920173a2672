"""Trading: what users buy and sell, what moves in and out of balances, and what is refused."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard

from dashboards.boards.common import board
from dashboards.panels import trading as p

UID = "cnop-trading"


def build() -> dashboard.Dashboard:
    return (
        board(UID, "CNOP / Trading", "Orders by type and asset, traded notional, deposits and withdrawals, rejections.")
        .with_row(dashboard.Row("Orders"))
        .with_panel(p.orders_in_range())
        .with_panel(p.notional_in_range())
        .with_panel(p.balance_usd_in_range().span(12))
        .with_panel(p.orders_by_type().span(8))
        .with_panel(p.orders_by_asset().span(8))
        .with_panel(p.notional_by_type().span(8))
        .with_panel(p.order_rejections().span(24))
        .with_row(dashboard.Row("Balances"))
        .with_panel(p.balance_movements().span(8))
        .with_panel(p.balance_usd().span(8))
        .with_panel(p.balance_rejections().span(8))
        .with_row(dashboard.Row("Order and user APIs"))
        .with_panel(p.api_responses())
        .with_panel(p.api_latency())
    )
