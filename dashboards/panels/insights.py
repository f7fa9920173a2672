"""Insights panels: the analysis cache, model latency and model errors, the insights API."""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat, timeseries

from dashboards.panels.common import graph, single_stat
from dashboards.queries import http, insights

INSIGHTS_SERVICE = 'service="insights"'


def cache_hit_ratio() -> stat.Panel:
    return single_stat("Cache hit ratio", "Share of analysis lookups answered from the DynamoDB cache.",
                       "percentunit", [insights.cache_hit_ratio()], steps=[(0.5, "green")], base="orange")


def cache_hit_ratio_over_time() -> timeseries.Panel:
    return graph("Cache hit ratio over time", "Share of analysis lookups answered from the cache.", "percentunit",
                 [insights.cache_hit_ratio()])


def cache_lookups() -> timeseries.Panel:
    return graph("Cache lookups by result", "Cache lookups per second: hit, miss or error.", "ops",
                 [insights.cache_lookups_by_result()], stacked=True)


def cache_writes() -> timeseries.Panel:
    return graph("Cache writes by result", "Analyses stored in the cache per second, by result.", "ops",
                 [insights.cache_writes_by_result()], stacked=True)


def model_latency() -> timeseries.Panel:
    return graph("Model latency", "Time one analysis call took, answered or failed (p50 and p95).", "s",
                 [insights.model_latency(0.5), insights.model_latency(0.95)])


def model_calls() -> timeseries.Panel:
    return graph("Model calls by provider", "Analysis calls per second, by provider.", "ops",
                 [insights.model_calls_by_provider()], stacked=True)


def model_errors() -> timeseries.Panel:
    return graph("Model errors by kind", "Failed analysis calls per second, by provider and failure kind.", "ops",
                 [insights.model_errors_by_kind()], stacked=True, event_only="a model call fails")


def api_responses() -> timeseries.Panel:
    return graph("Insights API responses", "Answers of the insights app per second, by status.", "reqps",
                 [http.responses_by_status(INSIGHTS_SERVICE)], stacked=True)


def api_latency() -> timeseries.Panel:
    return graph("Insights API latency", "p50 and p95 per route template.", "s",
                 [http.route_latency(0.5, INSIGHTS_SERVICE), http.route_latency(0.95, INSIGHTS_SERVICE)])
