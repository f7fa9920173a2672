"""Where Alertmanager's notifications go: the paging and the ticket receivers, as typed values.

Their URLs and keys are secrets and never committed: the local stack reads them from its environment
(``STACK_ALERT_PAGE_URL``...), a cluster from its stack config's secrets, and either passes them here. Where
Alertmanager can read a secret from a file (PagerDuty's routing key, Slack's URL), the ``*_file`` field names
a mounted secret instead, so the rendered configuration holds no secret at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Config = dict[str, object]

SUMMARY = "{{ .CommonAnnotations.summary }}"
DETAILS = "{{ range .Alerts }}{{ .Annotations.description }}\n{{ end }}"
TITLE = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .Alerts | len }})"


def runbook_link(runbook_base_url: str) -> str:
    """The alerts' own runbook, or the runbook index when a group's alerts do not share one."""
    index = f"{runbook_base_url}/README.md"
    return "{{ with .CommonAnnotations.runbook_url }}{{ . }}{{ else }}" + index + "{{ end }}"


def _one_of(kind: str, value: str, file: str) -> None:
    if bool(value) == bool(file):
        raise ValueError(f"{kind}: give exactly one of the secret or the file holding it")


@dataclass(frozen=True, kw_only=True)
class Webhook:
    """Any HTTP endpoint taking Alertmanager's JSON payload (a pager's or chat bridge's inbound hook, or the
    local stack's receiver). The URL may carry a token: Debian's Alertmanager 0.25 reads it only inline
    (``url``), a cluster's (0.26 and later) from a mounted file too (``url_file``)."""

    url: str = ""
    url_file: str = ""

    def __post_init__(self) -> None:
        _one_of("Webhook", self.url, self.url_file)

    def configs(self, runbook_base_url: str) -> tuple[str, Config]:
        url = {"url": self.url} if self.url else {"url_file": self.url_file}
        return "webhook_configs", {**url, "send_resolved": True}


@dataclass(frozen=True, kw_only=True)
class PagerDuty:
    routing_key: str = ""
    routing_key_file: str = ""

    def __post_init__(self) -> None:
        _one_of("PagerDuty", self.routing_key, self.routing_key_file)

    def configs(self, runbook_base_url: str) -> tuple[str, Config]:
        key = {"routing_key": self.routing_key} if self.routing_key else {"routing_key_file": self.routing_key_file}
        return "pagerduty_configs", {
            **key, "send_resolved": True, "severity": "{{ .CommonLabels.severity }}", "description": SUMMARY,
            "links": [{"href": runbook_link(runbook_base_url), "text": "runbook"}],
        }


@dataclass(frozen=True, kw_only=True)
class Slack:
    channel: str
    api_url: str = ""
    api_url_file: str = ""

    def __post_init__(self) -> None:
        _one_of("Slack", self.api_url, self.api_url_file)

    def configs(self, runbook_base_url: str) -> tuple[str, Config]:
        url = {"api_url": self.api_url} if self.api_url else {"api_url_file": self.api_url_file}
        return "slack_configs", {
            **url, "channel": self.channel, "send_resolved": True, "title": TITLE,
            "title_link": runbook_link(runbook_base_url), "text": f"{SUMMARY}\n{DETAILS}",
        }


Receiver = Webhook | PagerDuty | Slack


@dataclass(frozen=True, kw_only=True)
class Receivers:
    """What each route notifies; an empty route drops its notifications (Alertmanager still shows the alerts)."""

    page: Sequence[Receiver] = ()
    """Severity critical: someone is woken up."""
    ticket: Sequence[Receiver] = ()
    """Everything else: a chat channel or a ticket queue, for working hours."""


def receiver_configs(receivers: Sequence[Receiver], runbook_base_url: str) -> Config:
    """``{"webhook_configs": [...], "slack_configs": [...]}`` for one Alertmanager receiver."""
    configs: dict[str, list[Config]] = {}
    for receiver in receivers:
        kind, config = receiver.configs(runbook_base_url)
        configs.setdefault(kind, []).append(config)
    return dict(configs)
