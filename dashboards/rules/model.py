"""Prometheus rule groups as data, rendered to the rule-file format by ``dashboards.rules.render``."""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboards.config import CONFIG


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expr: str

    def as_dict(self) -> dict[str, object]:
        return {"record": self.record, "expr": self.expr}


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

    def as_dict(self) -> dict[str, object]:
        rule: dict[str, object] = {"alert": self.alert, "expr": self.expr}
        if self.for_duration:
            rule["for"] = self.for_duration
        rule["labels"] = {**self.labels, "severity": self.severity}
        rule["annotations"] = {
            "summary": self.summary,
            "description": self.description,
            "runbook_url": self.runbook_url,
        }
        return rule


Rule = RecordingRule | AlertingRule


@dataclass(frozen=True)
class RuleGroup:
    name: str
    rules: tuple[Rule, ...]
    interval: str = ""

    def as_dict(self) -> dict[str, object]:
        group: dict[str, object] = {"name": self.name}
        if self.interval:
            group["interval"] = self.interval
        group["rules"] = [rule.as_dict() for rule in self.rules]
        return group
