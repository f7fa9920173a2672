"""Trading metrics: orders by type and asset, traded notional, refusals by reason."""

from __future__ import annotations

from decimal import Decimal

from prometheus_client import CollectorRegistry, Counter


class OrderMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.orders = Counter("orders_total", "Orders executed, by type and asset", ("order_type", "asset_id"),
                              registry=registry)
        self.notional = Counter("order_notional_usd_total", "USD value of executed orders", ("order_type",),
                                registry=registry)
        self.rejections = Counter("order_rejections_total", "Orders refused, by the refusal's code", ("reason",),
                                  registry=registry)

    def executed(self, order_type: str, asset_id: str, total: Decimal) -> None:
        self.orders.labels(order_type, asset_id).inc()
        self.notional.labels(order_type).inc(float(total))
