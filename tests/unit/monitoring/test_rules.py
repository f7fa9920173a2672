"""Rules and every PromQL expression: promtool check and unit tests, annotations and runbooks, catalogue."""

from __future__ import annotations

from pathlib import Path

import yaml

from apps.common.metrics import LATENCY_BUCKETS
from dashboards.config import CONFIG
from dashboards.expressions import annotation_queries, panel_queries, resolve, rule_expressions, variable_queries
from dashboards.rules.render import RULES_DIR, all_alerts, all_recording_rules, rule_files
from tests.unit.monitoring.promql_support import (
    REPO,
    catalogued_metrics,
    exported_series_names,
    metric_names,
    run_promtool,
)

RULE_TESTS = sorted((RULES_DIR / "tests").glob("*.yml"))
RUNBOOK_SECTIONS = ("## What it means", "## How to check", "## What to do")


def test_rule_files_pass_promtool_check() -> None:
    result = run_promtool("check", "rules", *(str(RULES_DIR / name) for name in rule_files()))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_pass() -> None:
    assert RULE_TESTS
    result = run_promtool("test", "rules", *map(str, RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_panel_and_variable_expression_parses(tmp_path: Path) -> None:
    """promtool validates PromQL offline: each expression becomes a recording rule in a scratch file."""
    expressions = [resolve(q.expr) for q in panel_queries()]
    expressions += [resolve(selector) for selector in variable_queries().values()]
    expressions += [resolve(expr) for expr in annotation_queries().values()]
    rules = [{"record": f"cnop_check:expression_{i}", "expr": expr} for i, expr in enumerate(expressions)]
    scratch = tmp_path / "panels.yml"
    scratch.write_text(yaml.safe_dump({"groups": [{"name": "panel-queries", "rules": rules}]}))
    result = run_promtool("check", "rules", str(scratch))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout


def test_resolved_expressions_keep_no_grafana_variable() -> None:
    for query in panel_queries():
        assert "$" not in resolve(query.expr), query


def test_every_metric_used_is_catalogued_or_recorded() -> None:
    recorded = {rule.record for rule in all_recording_rules()}
    known = exported_series_names() | recorded
    used = {(q.dashboard_uid, name) for q in panel_queries() for name in metric_names(q.expr)}
    used |= {(r.name, name) for r in rule_expressions() for name in metric_names(r.expr)}
    used |= {(uid, name) for (uid, _), selector in variable_queries().items() for name in metric_names(selector)}
    used |= {(uid, name) for (uid, _), expr in annotation_queries().items() for name in metric_names(expr)}
    unknown = sorted((where, name) for where, name in used if name not in known)
    assert not unknown, f"not in docs/metrics.md nor recorded: {unknown}"


def test_every_catalogued_metric_is_shown_or_alerted_on() -> None:
    used = {name for q in panel_queries() for name in metric_names(q.expr)}
    used |= {name for r in rule_expressions() for name in metric_names(r.expr)}
    series = {name: {name, f"{name}_bucket", f"{name}_count", f"{name}_sum"} for name in catalogued_metrics()}
    assert sorted(name for name, exposed in series.items() if not exposed & used) == []


def test_recording_rules_cover_red_and_every_slo_window() -> None:
    recorded = {rule.record for rule in all_recording_rules()}
    for name in ("availability", "latency"):
        for window in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"):
            assert f"service:slo_{name}_errors:ratio_rate{window}" in recorded
    assert {"service:http_requests:rate5m", "service:http_request_errors:ratio_rate5m"} <= recorded


def test_every_alert_has_severity_summary_description_and_a_runbook() -> None:
    alerts = all_alerts()
    assert len({a.alert for a in alerts}) == len(alerts)
    for alert in alerts:
        rule = alert.as_dict()
        assert rule["labels"]["severity"] in {"critical", "warning"}  # type: ignore[index]
        annotations = rule["annotations"]
        assert isinstance(annotations, dict)
        assert annotations["summary"] and annotations["description"]
        assert annotations["runbook_url"].endswith(f"docs/runbooks/{alert.alert}.md")
        runbook = REPO / "docs" / "runbooks" / f"{alert.alert}.md"
        assert runbook.exists(), runbook
        assert all(section in runbook.read_text() for section in RUNBOOK_SECTIONS), runbook


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {a.alert for a in all_alerts()}
    assert names - firing == set(), "alerts never tested firing"
    assert names - quiet == set(), "alerts never tested staying quiet"


def test_the_burn_rate_alerts_follow_the_sre_workbook() -> None:
    for objective in (CONFIG.availability, CONFIG.latency):
        fast, slow = objective.burn_rates
        assert [(w.factor, w.long, w.short) for w in fast.windows] == [(14.4, "1h", "5m"), (6, "6h", "30m")]
        assert [(w.factor, w.long, w.short) for w in slow.windows] == [(3, "1d", "2h"), (1, "3d", "6h")]
        assert (fast.severity, slow.severity) == ("critical", "warning")
    assert CONFIG.availability.error_budget == 0.005 and CONFIG.latency.error_budget == 0.05


def test_the_latency_sli_bucket_exists_and_is_not_laxer_than_the_objective() -> None:
    bucket = float(CONFIG.latency.bucket_le)
    assert bucket in LATENCY_BUCKETS
    assert bucket <= CONFIG.latency.threshold_seconds
