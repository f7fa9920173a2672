"""Alertmanager's configuration (dashboards/alerting.py): amtool accepts it with every kind of receiver,
routes each alert by severity, and the inhibitions name only alerts that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from dashboards.alerting import ALERTMANAGER_FILE, alertmanager_config, inhibitions, to_yaml
from dashboards.config import PAGE, TICKET, Notifications
from dashboards.receivers import PagerDuty, Receivers, Slack, Webhook
from dashboards.rules.render import all_alerts
from tests.unit.monitoring.amtool_support import routed_to, run_amtool

ROUTES = [  # labels of an alert -> the receiver it goes to
    ({"alertname": "HttpAvailabilityBudgetBurnFast", "severity": PAGE, "service": "order"}, "page"),
    ({"alertname": "PlatformTargetDown", "severity": TICKET, "service": "insights"}, "ticket"),
    ({"alertname": "RedisDown", "severity": PAGE}, "page"),
    ({"alertname": "SomethingUnlabelled"}, "ticket"),
    ({"alertname": "SomethingOdd", "severity": "info"}, "ticket"),
]
EVERY_KIND = Receivers(
    page=[PagerDuty(routing_key="0123456789abcdef0123456789abcdef"), Webhook(url="https://pager.example/hook")],
    ticket=[Slack(channel="#cnop-alerts", api_url="https://hooks.slack.example/T000/B000/XXX")],
)
FROM_FILES = Receivers(page=[PagerDuty(routing_key_file="/etc/alertmanager/secrets/cnop/pagerduty-key")],
                       ticket=[Slack(channel="#cnop-alerts", api_url_file="/etc/alertmanager/secrets/cnop/slack-url")])


def _written(tmp_path: Path, receivers: Receivers, **options: object) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(to_yaml(alertmanager_config(receivers, **options)))  # type: ignore[arg-type]
    return path


def test_the_committed_configuration_passes_amtool() -> None:
    result = run_amtool("check-config", str(ALERTMANAGER_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 inhibit rules" in result.stdout and "2 receivers" in result.stdout


@pytest.mark.parametrize("receivers", [EVERY_KIND, FROM_FILES, Receivers()], ids=["inline", "files", "none"])
def test_every_kind_of_receiver_passes_amtool(tmp_path: Path, receivers: Receivers) -> None:
    result = run_amtool("check-config", str(_written(tmp_path, receivers, runbook_base_url="https://runbooks.example")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_secrets_given_as_files_leave_none_in_the_configuration() -> None:
    text = to_yaml(alertmanager_config(FROM_FILES))
    assert "routing_key_file: /etc/alertmanager/secrets/cnop/pagerduty-key" in text
    assert "api_url_file: /etc/alertmanager/secrets/cnop/slack-url" in text
    assert not re.search(r"routing_key:|api_url:|url:", text)


def test_the_runbook_base_from_stack_config_is_the_fallback_link() -> None:
    config = alertmanager_config(EVERY_KIND, runbook_base_url="https://runbooks.example/cnop")
    receivers = {r["name"]: r for r in config["receivers"]}  # type: ignore[attr-defined, index]
    link = receivers["page"]["pagerduty_configs"][0]["links"][0]["href"]
    assert "{{ with .CommonAnnotations.runbook_url }}" in link and "https://runbooks.example/cnop/README.md" in link


@pytest.mark.parametrize(("labels", "receiver"), ROUTES, ids=[labels["alertname"] for labels, _ in ROUTES])
def test_routes(labels: dict[str, str], receiver: str) -> None:
    assert routed_to(ALERTMANAGER_FILE, labels) == receiver


def test_every_alert_pages_exactly_when_it_is_critical(tmp_path: Path) -> None:
    config = _written(tmp_path, EVERY_KIND)
    routed = {a.alert: routed_to(config, {"alertname": a.alert, "severity": a.severity}) for a in all_alerts()}
    assert routed == {a.alert: "page" if a.severity == PAGE else "ticket" for a in all_alerts()}


def test_grouping_times_can_be_shortened_for_a_test_and_stay_valid(tmp_path: Path) -> None:
    quick = Notifications(group_wait="1s", group_interval="2s")
    config = yaml.safe_load(_written(tmp_path, Receivers(), notifications=quick).read_text())
    assert (config["route"]["group_wait"], config["route"]["group_interval"]) == ("1s", "2s")
    assert run_amtool("check-config", str(tmp_path / "alertmanager.yml")).returncode == 0


def test_inhibitions_name_only_alerts_that_exist() -> None:
    names = {alert.alert for alert in all_alerts()}
    for inhibition in inhibitions():
        for matcher in (*inhibition.source, *inhibition.target):
            label, _, value = re.match(r'(\w+)(=~?)"(.*)"', matcher).groups()  # type: ignore[union-attr]
            if label == "alertname":
                assert set(value.split("|")) <= names, (inhibition.why, value)


@pytest.mark.parametrize("kind", [lambda: PagerDuty(), lambda: Slack(channel="#x", api_url="u", api_url_file="f")])
def test_a_receiver_takes_its_secret_or_a_file_not_both_nor_neither(kind: object) -> None:
    with pytest.raises(ValueError, match="exactly one of the secret or the file"):
        kind()  # type: ignore[operator]


def test_a_webhook_reads_its_url_inline_or_from_a_file_never_both() -> None:
    assert Webhook(url_file="/etc/alertmanager/secrets/x/url").configs("https://runbooks.example") == (
        "webhook_configs", {"url_file": "/etc/alertmanager/secrets/x/url", "send_resolved": True})
    for wrong in (Webhook, lambda: Webhook(url="https://a.example", url_file="/x")):
        with pytest.raises(ValueError, match="exactly one"):
            wrong()
