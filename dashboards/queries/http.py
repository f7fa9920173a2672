"""RED of every app from the shared HTTP metrics: recorded per service, drilled into per route."""

from __future__ import annotations

from dashboards.config import CONFIG
from dashboards.promql import (
    ENVIRONMENT,
    RATE_INTERVAL,
    SERVICE,
    Query,
    quantile,
    ratio_or_zero,
    series,
    sum_by,
    summed_rate,
)

RECORDING_WINDOW = "5m"
PER_SERVICE = (CONFIG.environment_label, "service")
SERVER_ERROR = 'status=~"5.."'
QUANTILES = (0.5, 0.95, 0.99)

REQUESTS = "service:http_requests:rate5m"
ERRORS = "service:http_request_errors:rate5m"
ERROR_RATIO = "service:http_request_errors:ratio_rate5m"
BUCKETS = "service:http_request_duration_seconds_bucket:rate5m"


def quantile_record(q: float) -> str:
    return f"service:http_request_duration_seconds:p{round(q * 100)}_rate5m"


def requests(*matchers: str) -> str:
    return series("http_requests_total", CONFIG.selectors.apps, *matchers)


def duration_buckets(*matchers: str) -> str:
    return series("http_request_duration_seconds_bucket", CONFIG.selectors.apps, *matchers)


# Recording-rule expressions.

def recorded_request_rate() -> str:
    return summed_rate(PER_SERVICE, requests(), RECORDING_WINDOW)


def recorded_error_rate() -> str:
    return summed_rate(PER_SERVICE, requests(SERVER_ERROR), RECORDING_WINDOW)


def recorded_error_ratio() -> str:
    return ratio_or_zero(ERRORS, REQUESTS)


def recorded_bucket_rate() -> str:
    return summed_rate([*PER_SERVICE, "le"], duration_buckets(), RECORDING_WINDOW)


def recorded_quantile(q: float) -> str:
    return f"histogram_quantile({q}, {BUCKETS})"


# Panel queries: recorded series per service, raw series per route.

def _recorded(name: str) -> str:
    return series(name, ENVIRONMENT, SERVICE)


def request_rate_by_service() -> Query:
    return Query(sum_by(["service"], _recorded(REQUESTS)), "{{service}}")


def error_ratio_by_service() -> Query:
    errors = sum_by(["service"], _recorded(ERRORS))
    return Query(ratio_or_zero(errors, sum_by(["service"], _recorded(REQUESTS))), "{{service}}")


def p95_by_service() -> Query:
    buckets = sum_by(["service", "le"], _recorded(BUCKETS))
    return Query(f"histogram_quantile(0.95, {buckets})", "{{service}}")


def responses_by_status(*matchers: str) -> Query:
    selector = requests(ENVIRONMENT, SERVICE, *matchers)
    return Query(summed_rate(["status"], selector, RATE_INTERVAL), "{{status}}")


def busiest_routes(*matchers: str) -> Query:
    selector = requests(ENVIRONMENT, SERVICE, *matchers)
    return Query(f"topk(10, {summed_rate(['service', 'route'], selector, RATE_INTERVAL)})", "{{service}} {{route}}")


def slowest_routes(*matchers: str) -> Query:
    selector = duration_buckets(ENVIRONMENT, SERVICE, CONFIG.selectors.slo_routes, *matchers)
    p95 = quantile(0.95, ["service", "route"], selector, RATE_INTERVAL)
    return Query(f"topk(10, {p95})", "{{service}} {{route}}", exemplars=True)


def route_latency(q: float, *matchers: str) -> Query:
    selector = duration_buckets(ENVIRONMENT, SERVICE, CONFIG.selectors.slo_routes, *matchers)
    return Query(quantile(q, ["route"], selector, RATE_INTERVAL), f"p{round(q * 100)} {{{{route}}}}", exemplars=True)


def targets_up() -> Query:
    return Query(sum_by(["job"], series("up", CONFIG.selectors.apps, ENVIRONMENT, 'job=~"$service"')), "{{job}}")
