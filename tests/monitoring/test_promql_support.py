"""The test helpers that read PromQL and the catalogue do what the other tests rely on."""

from __future__ import annotations

import pytest

from tests.monitoring.promql_support import catalogued_metrics, metric_names

pytestmark = pytest.mark.unit


def test_metric_names_skip_functions_labels_keywords_and_durations() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket'
        '{job=~"a|b", route!~"/health"}[$__rate_interval])))\nor on (service) vector(1e3) * 0\n'
        "and\nservice:http_requests:rate5m > (14.4 * 0.005)\nunless absent(up{job=\"x\"})"
    )
    assert metric_names(expr) == {"http_request_duration_seconds_bucket", "service:http_requests:rate5m", "up"}


def test_the_catalogue_is_read_with_types() -> None:
    catalogue = catalogued_metrics()
    assert catalogue["http_requests_total"] == "counter"
    assert catalogue["http_request_duration_seconds"] == "histogram"
    assert catalogue["inventory_price_feed_last_publish_timestamp_seconds"] == "gauge"
    assert len(catalogue) >= 25
