"""Trading panels: orders by type and asset, traded notional, deposits and withdrawals, rejections."""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat, timeseries

from dashboards.panels.common import graph, single_stat
from dashboards.queries import http, trading

TRADING_SERVICES = 'service=~"order|user"'


def orders_by_type() -> timeseries.Panel:
    return graph("Orders by type", "Orders filled per second, by order type.", "ops",
                 [trading.orders_by_type()], stacked=True)


def orders_by_asset() -> timeseries.Panel:
    return graph("Orders by asset (top 10)", "Orders filled per second for the ten most traded assets.", "ops",
                 [trading.orders_by_asset()])


def orders_in_range() -> stat.Panel:
    return single_stat("Orders in range", "Orders filled over the dashboard's time range.", "short",
                       [trading.orders_in_range()], base="blue")


def notional_by_type() -> timeseries.Panel:
    return graph("Traded notional (USD/s)", "USD value of filled orders per second, by order type.", "currencyUSD",
                 [trading.notional_by_type()], stacked=True)


def notional_in_range() -> stat.Panel:
    return single_stat("Notional in range", "USD value of the orders filled over the time range.", "currencyUSD",
                       [trading.notional_in_range()], base="blue")


def order_rejections() -> timeseries.Panel:
    return graph("Order rejections by reason", "Orders refused per second, by the error code returned.", "ops",
                 [trading.order_rejections_by_reason()], stacked=True)


def balance_movements() -> timeseries.Panel:
    return graph("Deposits and withdrawals", "Balance movements per second, by kind.", "ops",
                 [trading.balance_movements_by_kind()], stacked=True)


def balance_usd() -> timeseries.Panel:
    return graph("USD deposited and withdrawn (USD/s)", "USD moved per second, by kind.", "currencyUSD",
                 [trading.balance_usd_by_kind()])


def balance_usd_in_range() -> stat.Panel:
    return single_stat("USD moved in range", "USD deposited and withdrawn over the time range.", "currencyUSD",
                       [trading.balance_usd_in_range()], base="blue")


def balance_rejections() -> timeseries.Panel:
    return graph("Balance rejections by reason", "Deposits and withdrawals refused per second, by kind and reason.",
                 "ops", [trading.balance_rejections_by_reason()], stacked=True)


def api_responses() -> timeseries.Panel:
    return graph("Order and user API responses", "Answers of the order and user apps per second, by status.",
                 "reqps", [http.responses_by_status(TRADING_SERVICES)], stacked=True)


def api_latency() -> timeseries.Panel:
    return graph("Order and user API latency (p95)", "95th percentile per route template.", "s",
                 [http.route_latency(0.95, TRADING_SERVICES)])
