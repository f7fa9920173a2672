"""Business metrics of the order and user apps: orders, notional, balance movements, rejections."""

from __future__ import annotations

from dashboards.config import CONFIG
from dashboards.promql import ENVIRONMENT, RANGE, RATE_INTERVAL, Query, increase, series, sum_by, summed_rate


def _trading(metric: str) -> str:
    return series(metric, CONFIG.selectors.trading, ENVIRONMENT)


def orders_by_type() -> Query:
    return Query(summed_rate(["order_type"], _trading("orders_total"), RATE_INTERVAL), "{{order_type}}")


def orders_by_asset() -> Query:
    per_asset = summed_rate(["asset_id"], _trading("orders_total"), RATE_INTERVAL)
    return Query(f"topk(10, {per_asset})", "{{asset_id}}")


def orders_in_range() -> Query:
    return Query(sum_by(["order_type"], increase(_trading("orders_total"), RANGE)), "{{order_type}}")


def notional_by_type() -> Query:
    return Query(summed_rate(["order_type"], _trading("order_notional_usd_total"), RATE_INTERVAL), "{{order_type}}")


def notional_in_range() -> Query:
    return Query(sum_by(["order_type"], increase(_trading("order_notional_usd_total"), RANGE)), "{{order_type}}")


def order_rejections_by_reason() -> Query:
    return Query(summed_rate(["reason"], _trading("order_rejections_total"), RATE_INTERVAL), "{{reason}}")


def balance_movements_by_kind() -> Query:
    return Query(summed_rate(["kind"], _trading("balance_movements_total"), RATE_INTERVAL), "{{kind}}")


def balance_usd_by_kind() -> Query:
    return Query(summed_rate(["kind"], _trading("balance_movement_usd_total"), RATE_INTERVAL), "{{kind}}")


def balance_usd_in_range() -> Query:
    return Query(sum_by(["kind"], increase(_trading("balance_movement_usd_total"), RANGE)), "{{kind}}")


def balance_rejections_by_reason() -> Query:
    refused = _trading("balance_rejections_total")
    return Query(summed_rate(["kind", "reason"], refused, RATE_INTERVAL), "{{kind}} {{reason}}")
