"""The bench's results as JSON (every figure) and as a markdown summary, and the target's verdict."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ops.bench.probes import ProbeSummary
from ops.bench.stats import Distribution, ScenarioSummary


def load_average() -> float | None:
    """The 1-minute load average: other work on the machine skews every figure."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


@dataclass(frozen=True)
class Machine:
    cpu_count: int | None
    usable_cpus: int | None
    python_version: str
    platform: str
    load_average_1m: float | None
    """When the bench started, before its own processes added to it."""

    @classmethod
    def current(cls) -> Machine:
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        return cls(os.cpu_count(), usable, platform.python_version(), platform.platform(), load_average())


@dataclass(frozen=True)
class Target:
    """A server-side p50 limit for one scenario: the issue's goal, reported, never enforced."""

    scenario: str
    server_p50_limit_ms: float
    statement: str


@dataclass(frozen=True)
class Verdict:
    measured_ms: float | None
    passed: bool | None

    @property
    def label(self) -> str:
        return {True: "PASS", False: "FAIL", None: "NOT MEASURED"}[self.passed]


def judge(target: Target, scenarios: list[ScenarioSummary]) -> Verdict:
    measured = next((s.server for s in scenarios if s.name == target.scenario and s.server), None)
    if measured is None:
        return Verdict(None, None)
    return Verdict(measured.p50, measured.p50 < target.server_p50_limit_ms)


@dataclass(frozen=True)
class BenchReport:
    started_at: str
    finished_at: str
    machine: Machine
    options: dict[str, Any]
    target: Target
    scenarios: list[ScenarioSummary]
    probes: list[ProbeSummary] = field(default_factory=list)
    load_average_1m_at_end: float | None = None
    spans_received: int | None = None
    """Spans the traced path exported during the run (``None``: no traced path)."""

    @property
    def verdict(self) -> Verdict:
        return judge(self.target, self.scenarios)

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["target"]["verdict"] = {**asdict(self.verdict), "label": self.verdict.label}
        for scenario, summary in zip(document["scenarios"], self.scenarios, strict=True):
            scenario["error_count"] = summary.error_count
        return document


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _cells(latency: Distribution | None) -> list[str]:
    if latency is None:
        return ["-"] * 4
    return [_ms(latency.p50), _ms(latency.p95), _ms(latency.p99), _ms(latency.max)]


def _errors(summary: ScenarioSummary) -> str:
    return ", ".join(f"{outcome}: {count}" for outcome, count in summary.errors.items()) or "0"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _breakdown(report: BenchReport) -> list[str]:
    """Each sequential scenario's server p50 against the p50s of the probes that make it up.

    Medians do not add up exactly; the remainder is what HTTP parsing, FastAPI, the thread hop and
    waiting for a CPU cost, give or take.
    """
    scenarios = {s.name: s for s in report.scenarios}
    probes = {p.name: p.latency for p in report.probes}
    lines: list[str] = []
    for scenario_name, parts in (
        ("balance-read-sequential", ("token-check", "dynamodb-get-item")),
        ("deposit-sequential", ("token-check", "redis-user-lock", "dynamodb-transact-deposit")),
        ("market-buy-sequential", ("token-check", "order-desk-place")),
    ):
        scenario = scenarios.get(scenario_name)
        found = {name: latency for name in parts if (latency := probes.get(name)) is not None}
        if scenario is None or scenario.server is None or scenario.client is None or len(found) < len(parts):
            continue
        server_p50 = scenario.server.p50
        remainder = server_p50 - sum(latency.p50 for latency in found.values())
        terms = " + ".join(f"`{name}` {_ms(latency.p50)}" for name, latency in found.items())
        lines.append(
            f"- `{scenario_name}`: server {_ms(server_p50)} ms = {terms} + ~{_ms(remainder)} "
            f"HTTP/framework/CPU waits; the client saw {_ms(scenario.client.p50)} ms "
            f"(+{_ms(scenario.client.p50 - server_p50)} ms of connection and client overhead)."
        )
    desk, transaction = probes.get("order-desk-place"), probes.get("dynamodb-transact-market-buy")
    if desk is not None and transaction is not None:
        lines.append(
            f"- Inside `order-desk-place` ({_ms(desk.p50)} ms), the DynamoDB Local transaction alone "
            f"(`dynamodb-transact-market-buy`) takes {_ms(transaction.p50)} ms "
            f"({transaction.p50 / desk.p50:.0%})."
        )
    return lines


GATEWAY_P50_RATIO_LIMIT = 1.3


@dataclass(frozen=True)
class Comparison:
    """One request measured two ways in the same run: direct and through the gateway, or through the untraced
    and the traced gateway. Latencies are client-side p50s."""

    name: str
    baseline_p50_ms: float
    variant_p50_ms: float
    baseline_rps: float
    variant_rps: float

    @property
    def p50_ratio(self) -> float:
        return self.variant_p50_ms / self.baseline_p50_ms

    @property
    def throughput_ratio(self) -> float:
        return self.variant_rps / self.baseline_rps


def comparisons(scenarios: list[ScenarioSummary], baseline: str, variant: str) -> list[Comparison]:
    """The pairs ``<name>-<baseline>`` / ``<name>-<variant>`` among the scenarios."""
    by_name = {s.name: s for s in scenarios}
    pairs = []
    for name, first in by_name.items():
        second = by_name.get(name.removesuffix(f"-{baseline}") + f"-{variant}")
        if name.endswith(f"-{baseline}") and second and first.client and second.client:
            pairs.append(Comparison(name.removesuffix(f"-{baseline}"), first.client.p50, second.client.p50,
                                    first.requests_per_second, second.requests_per_second))
    return pairs


def gateway_comparisons(scenarios: list[ScenarioSummary]) -> list[Comparison]:
    return comparisons(scenarios, "direct", "gateway")


def tracing_comparisons(scenarios: list[ScenarioSummary]) -> list[Comparison]:
    return comparisons(scenarios, "untraced", "traced")


def _comparison_lines(report: BenchReport) -> list[str]:
    found = gateway_comparisons(report.scenarios)
    if not found:
        return []
    rows = [[c.name, _ms(c.baseline_p50_ms), _ms(c.variant_p50_ms), f"{c.p50_ratio:.2f}x",
             "PASS" if c.p50_ratio <= GATEWAY_P50_RATIO_LIMIT else "FAIL",
             f"{c.baseline_rps:.1f}", f"{c.variant_rps:.1f}", f"{c.throughput_ratio:.2f}x"] for c in found]
    return [
        "", "## Gateway overhead (same read, direct and through the gateway, same run)", "",
        f"Target: client-side p50 through the gateway at most {GATEWAY_P50_RATIO_LIMIT}x direct.", "",
        *_table(["read", "direct p50", "gateway p50", "p50 ratio", "target", "direct req/s", "gateway req/s",
                 "throughput ratio"], rows),
    ]


def _tracing_lines(report: BenchReport) -> list[str]:
    found = tracing_comparisons(report.scenarios)
    if not found:
        return []
    rows = [[c.name, _ms(c.baseline_p50_ms), _ms(c.variant_p50_ms), f"{c.p50_ratio:.2f}x",
             f"{c.baseline_rps:.1f}", f"{c.variant_rps:.1f}", f"{c.throughput_ratio:.2f}x"] for c in found]
    received = "-" if report.spans_received is None else f"{report.spans_received:,}"
    return [
        "", "## Tracing overhead (same requests through the untraced and the traced gateway, same run)", "",
        "Traced: the gateway and the apps behind it record every request (sampling 1.0) and export the spans over "
        f"OTLP/HTTP to a receiver in the bench process ({received} spans received). Untraced: no exporter "
        "configured, tracing off (the default). Each pair ran in turns, a share of its requests at a time, so "
        "whatever else loaded the machine loaded both alike.", "",
        *_table(["request", "untraced p50", "traced p50", "p50 ratio", "untraced req/s", "traced req/s",
                 "throughput ratio"], rows),
    ]


def to_markdown(report: BenchReport) -> str:
    options, machine, target, verdict = report.options, report.machine, report.target, report.verdict
    lines = [
        f"# Bench {report.started_at}",
        "",
        f"Machine: {machine.cpu_count} CPUs ({machine.usable_cpus} usable), Python {machine.python_version}, "
        f"{machine.platform}; load average {_ms(machine.load_average_1m)} before the bench, "
        f"{_ms(report.load_average_1m_at_end)} at its end. "
        "Client, apps, DynamoDB Local and redis-server share these CPUs.",
        f"Each scenario: {options['requests']} measured requests, after a warm-up pass of "
        f"{options['warmup']} requests through every scenario; concurrent runs use "
        f"{options['concurrency']} clients. Latencies in ms cover every "
        "answered request; server = the app's own `Server-Timing` entry (`user;dur`, `order;dur`, or "
        "`app;dur` in older builds).",
        "",
        f"**Target:** {target.statement} — **{verdict.label}** "
        f"(`{target.scenario}` server p50 = {_ms(verdict.measured_ms)} ms, "
        f"limit {target.server_p50_limit_ms:g} ms)",
        "",
        "## HTTP scenarios",
        "",
        *_table(
            ["scenario", "clients", "requests", "req/s", "client p50", "p95", "p99", "max",
             "server p50", "p95", "p99", "max", "errors"],
            [[s.name, str(s.concurrency), str(s.requests), f"{s.requests_per_second:.1f}",
              *_cells(s.client), *_cells(s.server), _errors(s)] for s in report.scenarios],
        ),
    ]
    if report.probes:
        lines += [
            "",
            "## In-process probes (same calls as the handlers, no HTTP)",
            "",
            *_table(["probe", "p50", "p95", "p99", "max", "what"],
                    [[p.name, *_cells(p.latency), p.what] for p in report.probes]),
        ]
    lines += _comparison_lines(report)
    lines += _tracing_lines(report)
    breakdown = _breakdown(report)
    if breakdown:
        lines += ["", "## Where the time goes (p50)", "", *breakdown]
    return "\n".join(lines) + "\n"


def write_report(report: BenchReport, directory: Path) -> Path:
    """Writes ``results.json`` and ``summary.md`` into ``directory``; returns the summary's path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
    summary = directory / "summary.md"
    summary.write_text(to_markdown(report))
    return summary
