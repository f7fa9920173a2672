"""Analyses cached in the users table: ``PK=<username>``, ``SK=INSIGHTS#<portfolio hash>``, with a TTL.

The cache is an optimisation, never a dependency: when DynamoDB cannot read or write it, the failure is
logged and counted, and the caller goes on as if it had missed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from apps.common.clock import iso_z
from apps.common.models import InsightsCacheItem
from apps.insights.metrics import InsightsMetrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedAnalysis:
    summary: str
    model: str
    generated_at: datetime


def fresh_analysis(item: InsightsCacheItem | None, model: str, now: float, ttl_seconds: int) -> CachedAnalysis | None:
    """The item's analysis if ``model`` wrote it less than ``ttl_seconds`` ago and it has not expired.

    DynamoDB deletes expired items only eventually (within days), so expiry is checked here too; an answer by
    another model (the provider changed) is not reused either.
    """
    if item is None or item.model != model or item.expires_at <= now:
        return None
    generated_at = datetime.fromisoformat(item.generated_at)
    if now - generated_at.timestamp() >= ttl_seconds:
        return None
    return CachedAnalysis(item.summary, item.model, generated_at)


class InsightsCache:
    def __init__(self, ttl_seconds: int, metrics: InsightsMetrics):
        self.ttl_seconds = ttl_seconds
        self.metrics = metrics

    def lookup(self, username: str, portfolio_hash: str, model: str) -> CachedAnalysis | None:
        """The analysis of this portfolio state by this model, if it is younger than the TTL."""
        try:
            item = InsightsCacheItem.find(username, InsightsCacheItem.key_for(portfolio_hash))
            cached = fresh_analysis(item, model, time.time(), self.ttl_seconds)
        except Exception as exc:  # an unreadable cache is a miss that is logged, whatever the cause
            log.warning("insights: cache read failed: %s", type(exc).__name__)
            self.metrics.cache_lookup("error")
            return None
        self.metrics.cache_lookup("hit" if cached else "miss")
        return cached

    def store(self, username: str, portfolio_hash: str, analysis: CachedAnalysis) -> None:
        item = InsightsCacheItem(
            username,
            InsightsCacheItem.key_for(portfolio_hash),
            summary=analysis.summary,
            model=analysis.model,
            generated_at=iso_z(analysis.generated_at),
            expires_at=int(analysis.generated_at.timestamp()) + self.ttl_seconds,
        )
        try:
            item.save()
        except Exception as exc:  # the answer is still good without a cache entry
            log.warning("insights: cache write failed: %s", type(exc).__name__)
            self.metrics.cache_write("error")
            return
        self.metrics.cache_write("ok")
