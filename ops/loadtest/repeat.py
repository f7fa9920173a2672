"""``make loadtest PROFILE=load RUNS=5``: one profile run N times in a row, each on a fresh stack, and a table of
the runs: each one's verdict, throughput, tail latency and the checks it failed. How often a profile's gates hold
on this machine is the figure (a single run says little on a shared 2-core VM). The exit code is 0 when at least
``--pass-at-least`` runs passed (default: all of them)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ops.loadtest.loadrun import LoadOptions, report_directory
from ops.loadtest.measure import ALL

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunRow:
    number: int
    passed: bool
    requests_per_second: float
    p95_ms: float | None
    p99_ms: float | None
    failures: int
    failed_checks: tuple[str, ...]
    load_average_at_end: float | None
    report: str

    @classmethod
    def of(cls, number: int, summary: dict[str, Any], report: Path) -> RunRow:
        groups = [group for step in summary["steps"][:1] for group in step["groups"] if group["group"] == ALL]
        overall: dict[str, Any] = groups[0] if groups else {"rps": 0.0, "p95_ms": None, "p99_ms": None, "failures": 0}
        warm_up_failures = sum(group["failures"] for step in summary["steps"][:1]
                               for group in step.get("warm_up_groups", []) if group["group"] == ALL)
        checks = [*summary["checks"], *(check for each in summary["steps"] for check in each["checks"])]
        failed = tuple(check["name"] for check in checks if not check["passed"]) or (
            () if summary["steps"] else ("no step ran",))
        return cls(number, bool(summary["passed"]), float(overall["rps"]), overall["p95_ms"], overall["p99_ms"],
                   int(overall["failures"]) + warm_up_failures, failed, summary.get("load_average_1m_at_end"),
                   report.name)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def table(profile: str, rows: Iterable[RunRow], required: int) -> str:
    rows = list(rows)
    passed = sum(row.passed for row in rows)
    verdict = "PASS" if passed >= required else "FAIL"
    lines = [f"# `{profile}` run {len(rows)} times: {passed} of {len(rows)} passed ({verdict}, "
             f"at least {required} needed)", "",
             "| run | verdict | req/s | p95 ms | p99 ms | failures | failed checks | load average at end | report |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        failed = "; ".join(row.failed_checks) or "none"
        load = f"{row.load_average_at_end:.2f}" if row.load_average_at_end is not None else "n/a"
        lines.append(f"| {row.number} | {'PASS' if row.passed else 'FAIL'} | {row.requests_per_second:.1f} | "
                     f"{_ms(row.p95_ms)} | {_ms(row.p99_ms)} | {row.failures} | {failed} | {load} | {row.report} |")
    return "\n".join(lines) + "\n"


def run_repeated(options: LoadOptions, runs: int, required: int,
                 run_once: Callable[[LoadOptions], int]) -> int:
    directory = report_directory(options.reports_dir, f"{options.profile}-x{runs}")
    directory.mkdir(parents=True)
    rows: list[RunRow] = []
    for number in range(1, runs + 1):
        before = set(directory.iterdir())
        log.info("%s: run %d of %d", options.profile, number, runs)
        run_once(replace(options, reports_dir=directory))
        (report,) = [path for path in directory.iterdir() if path not in before and path.is_dir()]
        rows.append(RunRow.of(number, json.loads((report / "summary.json").read_text()), report))
    summary = table(options.profile, rows, required)
    (directory / "summary.md").write_text(summary)
    print(summary, end="")
    log.info("wrote %s", directory / "summary.md")
    return 0 if sum(row.passed for row in rows) >= required else 1
