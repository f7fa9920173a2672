"""Dashboards and rules are picked up from ``dashboards/`` when they exist, and their absence is fine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cnop_platform.monitoring_files import MonitoringFileError, read_dashboards, read_rule_groups

from ops.offline import OfflineRun
from ops.servers import REPO


def test_absent_or_empty_folders_mean_nothing_to_deploy(tmp_path: Path) -> None:
    assert read_dashboards(None) == {} and read_dashboards(tmp_path / "missing") == {}
    assert read_dashboards(tmp_path) == {} and read_rule_groups(tmp_path) == []


def test_dashboards_by_slug_and_invalid_ones_refused(tmp_path: Path) -> None:
    (tmp_path / "CNOP Overview.json").write_text(json.dumps({"uid": "cnop-overview", "title": "x"}))
    assert list(read_dashboards(tmp_path)) == ["cnop-overview"]
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(MonitoringFileError, match=r"broken\.json: not JSON"):
        read_dashboards(tmp_path)
    (tmp_path / "broken.json").write_text(json.dumps({"title": "no uid"}))
    with pytest.raises(MonitoringFileError, match="stable uid"):
        read_dashboards(tmp_path)


def test_rule_groups_merge_and_promtool_tests_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("groups:\n- name: a\n  rules:\n  - record: x\n    expr: up\n")
    (tmp_path / "b.yaml").write_text("groups:\n- name: b\n  rules:\n  - alert: Down\n    expr: up == 0\n")
    (tmp_path / "a_test.yml").write_text("rule_files: [a.yml]\ntests: []\n")
    assert [g["name"] for g in read_rule_groups(tmp_path)] == ["a", "b"]
    (tmp_path / "c.yml").write_text("groups:\n- name: a\n  rules: []\n")
    with pytest.raises(MonitoringFileError, match="unique"):
        read_rule_groups(tmp_path)


def test_the_stack_deploys_what_the_folders_hold(run: OfflineRun) -> None:
    dashboards = read_dashboards(REPO / "dashboards" / "generated")
    maps = [r for r in run.of_type("kubernetes:core/v1:ConfigMap") if r.name.startswith("monitoring-dashboard-")]
    assert len(maps) == len(dashboards)
    for config_map in maps:
        assert config_map.inputs["metadata"]["labels"] == {"grafana_dashboard": "1"}
    groups = read_rule_groups(REPO / "dashboards" / "rules")
    rules = run.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    assert [r.inputs["spec"]["groups"] for r in rules] == ([groups] if groups else [])
