"""Prometheus rule groups as data, rendered to the rule-file format by ``dashboards.rules.render``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dashboards.config import CONFIG


@dataclass(frozen=True, kw_only=True)
class RenderOptions:
    """What may differ between the committed rule files and the ones a cluster, a demo or a test loads."""

    runbook_base_url: str = CONFIG.runbook_base_url
    for_durations: Mapping[str, str] = field(default_factory=dict)
    """Alert name -> the ``for`` to use instead of the real one: demos and tests shorten waits this way."""


COMMITTED = RenderOptions()
"""The committed rule files: the placeholder runbook base and every alert's own ``for``."""


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expr: str
    labels: dict[str, str] = field(default_factory=dict)

    def as_dict(self, options: RenderOptions = COMMITTED) -> dict[str, object]:
        rule: dict[str, object] = {"record": self.record, "expr": self.expr}
        if self.labels:
            rule["labels"] = dict(self.labels)
        return rule


@dataclass(frozen=True, kw_only=True)
class AlertingRule:
    """An alert with everything on-call needs: severity, summary, description and a runbook."""

    alert: str
    expr: str
    severity: str
    summary: str
    description: str
    for_duration: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def runbook_url(self) -> str:
        return CONFIG.runbook_url(self.alert)

    def as_dict(self, options: RenderOptions = COMMITTED) -> dict[str, object]:
        rule: dict[str, object] = {"alert": self.alert, "expr": self.expr}
        for_duration = options.for_durations.get(self.alert, self.for_duration)
        if for_duration:
            rule["for"] = for_duration
        rule["labels"] = {**self.labels, "severity": self.severity}
        rule["annotations"] = {
            "summary": self.summary,
            "description": self.description,
            "runbook_url": CONFIG.runbook_url(self.alert, options.runbook_base_url),
        }
        return rule


Rule = RecordingRule | AlertingRule


@dataclass(frozen=True)
class RuleGroup:
    name: str
    rules: tuple[Rule, ...]
    interval: str = ""

    def as_dict(self, options: RenderOptions = COMMITTED) -> dict[str, object]:
        group: dict[str, object] = {"name": self.name}
        if self.interval:
            group["interval"] = self.interval
        group["rules"] = [rule.as_dict(options) for rule in self.rules]
        return group
