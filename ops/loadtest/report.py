"""A run's results: its steps (one Locust run each), every check with its verdict, the money audit,
the resources the stack used, and the gateway configuration in force; written as JSON and markdown.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ops.ledger_audit import AuditReport
from ops.loadtest.crosscheck import CrossCheck
from ops.loadtest.measure import GroupStats
from ops.loadtest.resources import Usage


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str

    @property
    def label(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "label": self.label}


@dataclass
class StepReport:
    name: str
    description: str
    gateway: str
    locust_exit_code: int
    timed_out: bool
    seconds: float
    groups: list[GroupStats] = field(default_factory=list)
    warm_up_groups: list[GroupStats] = field(default_factory=list)
    """The profile's warm-up, measured on its own (empty when the profile has none)."""
    summary: dict[str, Any] | None = None
    crosscheck: CrossCheck | None = None
    checks: list[Check] = field(default_factory=list)
    by_users: list[tuple[int, float, float | None]] = field(default_factory=list)
    """(users, mean requests/s, mean p95 ms) per user count held, from Locust's history."""

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        summary = dict(self.summary or {})
        summary.pop("requests_per_second", None)  # kept, with the histograms, in the step's locust-summary.json
        warm_up = {k: v for k, v in (summary.get("warm_up") or {}).items() if k != "requests_per_second"}
        if warm_up:
            summary["warm_up"] = warm_up
        for endpoint in [*summary.get("endpoints", []), *warm_up.get("endpoints", [])]:
            endpoint.pop("histogram", None)
        return {
            "name": self.name, "description": self.description, "gateway": self.gateway,
            "locust_exit_code": self.locust_exit_code, "timed_out": self.timed_out,
            "seconds": round(self.seconds, 2), "passed": self.passed,
            "checks": [check.to_json() for check in self.checks],
            "groups": [asdict(group) for group in self.groups],
            "warm_up_groups": [asdict(group) for group in self.warm_up_groups],
            "by_users": [{"users": u, "rps": round(r, 1), "p95_ms": p} for u, r, p in self.by_users],
            "crosscheck": self.crosscheck.to_json() if self.crosscheck else None,
            "locust": summary,
        }


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "load_average_1m": round(os.getloadavg()[0], 2)}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class RunReport:
    kind: str  # loadtest | security
    title: str
    command: str
    started_at: str
    target: dict[str, Any]
    machine_at_start: dict[str, Any]
    steps: list[StepReport] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    """Run-wide checks (money invariants, security verdicts spanning steps)."""
    audit: AuditReport | None = None
    resources: list[Usage] = field(default_factory=list)
    gateways: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per gateway: the limiter, brute-force and breaker settings in force, and the limits observed."""
    charts: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    finished_at: str = ""
    load_average_1m_at_end: float | None = None

    @property
    def all_checks(self) -> list[Check]:
        return [check for step in self.steps for check in step.checks] + self.checks

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(check.passed for check in self.all_checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "title": self.title, "command": self.command, "passed": self.passed,
            "started_at": self.started_at, "finished_at": self.finished_at, "target": self.target,
            "machine": self.machine_at_start, "load_average_1m_at_end": self.load_average_1m_at_end,
            "checks": [check.to_json() for check in self.checks],
            "steps": [step.to_json() for step in self.steps],
            "invariants": asdict(self.audit) if self.audit else None,
            "resources": [asdict(usage) for usage in self.resources],
            "gateways": self.gateways, "charts": self.charts, **self.extra,
        }


def write_report(report: RunReport, directory: Path) -> Path:
    from ops.loadtest.markdown import to_markdown

    directory.mkdir(parents=True, exist_ok=True)
    report.finished_at = report.finished_at or now_iso()
    report.load_average_1m_at_end = round(os.getloadavg()[0], 2)
    (directory / "summary.json").write_text(json.dumps(report.to_json(), indent=1, default=str) + "\n")
    summary = directory / "summary.md"
    summary.write_text(to_markdown(report))
    return summary
