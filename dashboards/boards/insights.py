"""Insights: how often the cache answers, how the model behaves, and what users get back."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard

from dashboards.boards.common import board
from dashboards.panels import insights as p

UID = "cnop-insights"


def build() -> dashboard.Dashboard:
    return (
        board(UID, "CNOP / Insights", "The analysis cache, model latency and errors, and the insights API.")
        .with_row(dashboard.Row("Cache"))
        .with_panel(p.cache_hit_ratio().span(6).height(8))
        .with_panel(p.cache_hit_ratio_over_time().span(6))
        .with_panel(p.cache_lookups().span(6))
        .with_panel(p.cache_writes().span(6))
        .with_row(dashboard.Row("Model"))
        .with_panel(p.model_latency().span(8))
        .with_panel(p.model_calls().span(8))
        .with_panel(p.model_errors().span(8))
        .with_row(dashboard.Row("Insights API"))
        .with_panel(p.api_responses())
        .with_panel(p.api_latency())
    )
