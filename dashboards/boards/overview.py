"""Platform overview: is every service answering, fast enough, and within its SLOs?"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard

from dashboards.boards.common import board
from dashboards.config import CONFIG
from dashboards.panels import overview as p

UID = "cnop-overview"


def build() -> dashboard.Dashboard:
    availability, latency = CONFIG.availability, CONFIG.latency
    latency_ms = latency.threshold_seconds * 1000
    return (
        board(UID, "CNOP / Platform overview",
              "RED per service, SLO budgets and burn rates, routes, targets and the last deploy.")
        .with_row(dashboard.Row("Requests, errors, duration"))
        .with_panel(p.request_rate().span(8))
        .with_panel(p.error_ratio().span(8))
        .with_panel(p.latency_p95().span(8))
        .with_row(dashboard.Row(f"Availability SLO: {availability.target:.1%} of requests without 5xx"))
        .with_panel(p.objective_met(availability))
        .with_panel(p.budget_left(availability))
        .with_panel(p.burn_rate(availability).span(12).height(5))
        .with_row(dashboard.Row(f"Latency SLO: {latency.target:.0%} of requests under {latency_ms:g} ms"))
        .with_panel(p.objective_met(latency))
        .with_panel(p.budget_left(latency))
        .with_panel(p.burn_rate(latency).span(12).height(5))
        .with_row(dashboard.Row("Routes and targets"))
        .with_panel(p.slowest_routes().span(9))
        .with_panel(p.busiest_routes().span(9))
        .with_panel(p.targets_up().span(6).height(8))
        .with_panel(p.last_deploy().span(6).height(8))
        .with_panel(p.responses_by_status().span(18))
    )
