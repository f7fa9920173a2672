"""Dashboards are picked up from ``dashboards/generated`` when they exist, and their absence is fine. (The rules
reach the cluster as data with the stack's runbook URL: tests/unit/infra/test_observability.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cnop_platform.monitoring_files import MonitoringFileError, read_dashboards

from ops.offline import OfflineRun
from ops.servers import REPO


def test_absent_or_empty_folders_mean_nothing_to_deploy(tmp_path: Path) -> None:
    assert read_dashboards(None) == {} and read_dashboards(tmp_path / "missing") == {}
    assert read_dashboards(tmp_path) == {}


def test_dashboards_by_slug_and_invalid_ones_refused(tmp_path: Path) -> None:
    (tmp_path / "CNOP Overview.json").write_text(json.dumps({"uid": "cnop-overview", "title": "x"}))
    assert list(read_dashboards(tmp_path)) == ["cnop-overview"]
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(MonitoringFileError, match=r"broken\.json: not JSON"):
        read_dashboards(tmp_path)
    (tmp_path / "broken.json").write_text(json.dumps({"title": "no uid"}))
    with pytest.raises(MonitoringFileError, match="stable uid"):
        read_dashboards(tmp_path)


def test_the_stack_deploys_what_the_folder_holds(run: OfflineRun) -> None:
    dashboards = read_dashboards(REPO / "dashboards" / "generated")
    maps = [r for r in run.of_type("kubernetes:core/v1:ConfigMap") if r.name.startswith("monitoring-dashboard-")]
    assert len(maps) == len(dashboards)
    for config_map in maps:
        assert config_map.inputs["metadata"]["labels"] == {"grafana_dashboard": "1"}
