"""Cash movement metrics: deposits and withdrawals, their USD volume, and refusals by reason."""

from __future__ import annotations

from decimal import Decimal

from prometheus_client import CollectorRegistry, Counter


class BalanceMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.movements = Counter("balance_movements_total", "Deposits and withdrawals made", ("kind",),
                                 registry=registry)
        self.volume = Counter("balance_movement_usd_total", "USD moved by deposits and withdrawals", ("kind",),
                              registry=registry)
        self.rejections = Counter("balance_rejections_total", "Deposits and withdrawals refused",
                                  ("kind", "reason"), registry=registry)

    def moved(self, kind: str, amount: Decimal) -> None:
        self.movements.labels(kind).inc()
        self.volume.labels(kind).inc(float(amount))
