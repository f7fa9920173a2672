"""Platform overview panels: RED per service, the SLOs' budgets and burn rates, routes, scrape targets, deploys."""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat, timeseries
from grafana_foundation_sdk.models.common import BigValueTextMode

from dashboards.config import CONFIG, Objective
from dashboards.panels.common import graph, single_stat
from dashboards.queries import deploys, http, slo


def request_rate() -> timeseries.Panel:
    return graph("Requests by service", "Requests answered per second, per service.", "reqps",
                 [http.request_rate_by_service()])


def error_ratio() -> timeseries.Panel:
    return graph(
        "5xx ratio by service",
        "Share of requests answered 5xx; the dashed line is the availability SLO's error budget.",
        "percentunit", [http.error_ratio_by_service()], limit=CONFIG.availability.error_budget,
    )


def latency_p95() -> timeseries.Panel:
    return graph(
        "p95 latency by service",
        "95th percentile of request duration; the dashed line is the latency objective.",
        "s", [http.p95_by_service()], limit=CONFIG.latency.threshold_seconds,
    )


def responses_by_status() -> timeseries.Panel:
    return graph("Responses by status", "Responses per second by HTTP status, all selected services.", "reqps",
                 [http.responses_by_status()], stacked=True)


def objective_met(objective: Objective) -> stat.Panel:
    return single_stat(
        f"{objective.name.capitalize()} over {objective.period}",
        f"Share of good requests over the SLO period; the objective is {objective.target:.1%}.",
        "percentunit", [slo.period_success(objective)], steps=[(objective.target, "green")], base="red",
    ).decimals(2)


def budget_left(objective: Objective) -> stat.Panel:
    return single_stat(
        f"{objective.name.capitalize()} error budget left",
        f"Share of the {objective.period} error budget not yet spent; below zero the SLO is missed.",
        "percentunit", [slo.budget_remaining(objective)], steps=[(0, "orange"), (0.25, "green")], base="red",
    ).decimals(1)


def burn_rate(objective: Objective) -> timeseries.Panel:
    windows = (objective.burn_rates[0].windows[0].long, objective.burn_rates[0].windows[1].long)
    return graph(
        f"{objective.name.capitalize()} burn rate",
        "How many times faster than sustainable the error budget burns; above the dashed line (1x) the "
        "budget runs out before the period ends. The fast-burn page fires at "
        f"{objective.burn_rates[0].windows[0].factor:g}x.",
        "x", [slo.burn_rate(objective, w) for w in windows], limit=1,
    )


def slowest_routes() -> timeseries.Panel:
    return graph("Slowest routes (p95)", "The ten route templates with the highest p95 latency.", "s",
                 [http.slowest_routes()])


def busiest_routes() -> timeseries.Panel:
    return graph("Busiest routes", "The ten route templates answering the most requests.", "reqps",
                 [http.busiest_routes()])


def targets_up() -> stat.Panel:
    return single_stat("Scrape targets up", "Targets Prometheus scraped successfully, per job.", "none",
                       [http.targets_up()], steps=[(1, "green")], base="red")


def last_deploy() -> stat.Panel:
    return single_stat("Last deploy", "When the running version was deployed (make up, pulumi up), and which.",
                       "dateTimeFromNow", [deploys.last_deploy()]).text_mode(BigValueTextMode.VALUE_AND_NAME)
