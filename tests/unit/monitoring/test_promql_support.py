"""The test helpers that read PromQL and the catalogue do what the other tests rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.monitoring.promql_support import catalogued_metrics, metric_names, promtool


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


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
def test_a_missing_promtool_fails_the_rule_tests_in_ci(ci: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI runs the rule tests"):
        promtool()


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_a_missing_promtool_skips_the_rule_tests_outside_ci(ci: str | None, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="promtool is not installed"):
        promtool()
