"""SLIs as error ratios over every burn-rate window, and the burn and budget views built on them."""

from __future__ import annotations

from dashboards.config import CONFIG, Objective
from dashboards.promql import ENVIRONMENT, SERVICE, Query, ratio, ratio_or_zero, series, summed_rate
from dashboards.queries.http import PER_SERVICE, SERVER_ERROR, duration_buckets, requests


def error_ratio_record(objective: Objective, window: str) -> str:
    return f"service:slo_{objective.name}_errors:ratio_rate{window}"


def _counted(metric: str, *matchers: str) -> str:
    return series(metric, CONFIG.selectors.apps, CONFIG.selectors.slo_routes, *matchers)


def availability_errors(window: str) -> str:
    """Share of user requests answered 5xx."""
    slo_requests = requests(CONFIG.selectors.slo_routes)
    failed = summed_rate(PER_SERVICE, requests(CONFIG.selectors.slo_routes, SERVER_ERROR), window)
    return ratio_or_zero(failed, summed_rate(PER_SERVICE, slo_requests, window))


def latency_errors(window: str) -> str:
    """Share of user requests slower than the latency objective's bucket."""
    fast = summed_rate(
        PER_SERVICE, duration_buckets(CONFIG.selectors.slo_routes, f'le="{CONFIG.latency.bucket_le}"'), window
    )
    answered = summed_rate(PER_SERVICE, _counted("http_request_duration_seconds_count"), window)
    return f"1 - {ratio(fast, answered)}"


def period_errors(objective: Objective) -> str:
    """The SLO period's error ratio, averaged from the shortest window (a 30-day rate would be costly)."""
    shortest = error_ratio_record(objective, objective.windows[0])
    return f"avg_over_time({shortest}[{objective.period}])"


# Panel queries. With several environments selected, a service shows its worst one.

def _worst(objective: Objective, window: str) -> str:
    return f"max by (service) ({series(error_ratio_record(objective, window), ENVIRONMENT, SERVICE)})"


def period_success(objective: Objective) -> Query:
    return Query(f"1 - {_worst(objective, objective.period)}", "{{service}}")


def budget_remaining(objective: Objective) -> Query:
    return Query(f"1 - {_worst(objective, objective.period)} / {objective.error_budget}", "{{service}}")


def burn_rate(objective: Objective, window: str) -> Query:
    return Query(f"{_worst(objective, window)} / {objective.error_budget}", f"{{{{service}}}} {window}")
