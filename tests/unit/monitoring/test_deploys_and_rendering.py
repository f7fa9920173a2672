"""The deploy marker, rules rendered for a cluster or a quick test, and the local stack's Prometheus
configuration: each accepted by promtool, each saying what it should."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dashboards.config import JOBS
from dashboards.deploys import DEPLOY_SERIES, deploy_marker_file
from dashboards.probes import probe_targets
from dashboards.rules.model import RenderOptions
from dashboards.rules.render import prometheus_rule_groups, rendered_rules
from ops.stack import monitoring
from ops.stack.config import StackSettings
from tests.unit.monitoring.promql_support import run_promtool


def test_the_deploy_marker_is_one_recording_rule_promtool_accepts(tmp_path: Path) -> None:
    text = deploy_marker_file(version="cc09ab7-dirty", deployed_at=1796182545.7, environment="localstack")
    (tmp_path / "deploy.yml").write_text(text)
    result = run_promtool("check", "rules", str(tmp_path / "deploy.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    [group] = yaml.safe_load(text)["groups"]
    assert group["rules"] == [{"record": DEPLOY_SERIES, "expr": "vector(1796182546)",
                               "labels": {"version": "cc09ab7-dirty", "environment": "localstack"}}]


def test_a_cluster_gets_every_group_with_its_own_runbook_base() -> None:
    groups = prometheus_rule_groups(runbook_base_url="https://runbooks.example/cnop")
    alerts = [rule for group in groups for rule in group["rules"] if "alert" in rule]  # type: ignore[attr-defined]
    assert len(groups) == len({group["name"] for group in groups}) and alerts
    assert all(rule["annotations"]["runbook_url"] == f"https://runbooks.example/cnop/{rule['alert']}.md"
               for rule in alerts)


def test_a_shorter_for_changes_that_alert_only_and_an_unknown_alert_is_refused() -> None:
    quick = yaml.safe_load(rendered_rules(RenderOptions(for_durations={"PlatformTargetDown": "5s"}))["alerts.yml"])
    real = yaml.safe_load(rendered_rules()["alerts.yml"])
    changed = [(a["alert"], b.get("for")) for ga, gb in zip(real["groups"], quick["groups"], strict=True)
               for a, b in zip(ga["rules"], gb["rules"], strict=True) if a != b]
    assert changed == [("PlatformTargetDown", "5s")]
    with pytest.raises(ValueError, match="no alerts named"):
        rendered_rules(RenderOptions(for_durations={"PlatformTargetDwn": "5s"}))


def test_the_local_prometheus_configuration_passes_promtool(tmp_path: Path) -> None:
    settings = StackSettings(run_dir=tmp_path, alert_for={"PlatformTargetDown": "5s"})
    monitoring.record_deploy(settings)
    running = [monitoring.ALERTMANAGER, monitoring.REDIS_EXPORTER, monitoring.BLACKBOX]
    config = monitoring.prometheus_config(settings, running)
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    result = run_promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}  # type: ignore[attr-defined]
    assert set(JOBS.all) <= set(jobs)
    probed = [c["labels"]["route"] for c in jobs[JOBS.probes]["static_configs"]]
    assert probed == [target.route for target in probe_targets()] and probed
    targets = [f"127.0.0.1:{settings.alertmanager_port}"]
    assert config["alerting"] == {"alertmanagers": [{"static_configs": [{"targets": targets}]}]}


def test_without_alertmanager_or_exporters_prometheus_scrapes_the_apps_only(tmp_path: Path) -> None:
    config = monitoring.prometheus_config(StackSettings(run_dir=tmp_path), running=[])
    assert "alerting" not in config
    assert not {job["job_name"] for job in config["scrape_configs"]} & set(JOBS.all)  # type: ignore[attr-defined]


def test_the_stack_hands_alertmanager_its_webhooks_and_keeps_them_out_of_its_state(tmp_path: Path) -> None:
    settings = StackSettings(run_dir=tmp_path, alert_page_url="http://127.0.0.1:1/page-secret-token")
    written = monitoring.write_alertmanager_config(settings)
    receivers = {r["name"]: r for r in yaml.safe_load(written.read_text())["receivers"]}
    assert receivers["page"]["webhook_configs"][0]["url"] == "http://127.0.0.1:1/page-secret-token"
    assert receivers["ticket"]["webhook_configs"][0]["url"] == f"{settings.alert_receiver_url}/ticket"
    assert written.stat().st_mode & 0o077 == 0, "readable by its owner only"
    assert "page-secret-token" not in str(settings.model_dump(mode="json"))
