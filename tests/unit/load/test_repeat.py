"""``make loadtest RUNS=N``: the runs' table and the verdict over them, from each run's own summary.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ops.loadtest.loadrun import LoadOptions, report_directory
from ops.loadtest.repeat import run_repeated


def summary(passed: bool, p95: int, failed_gate: str | None = None, warm_up_failures: int = 0) -> dict[str, Any]:
    checks = [{"name": "gate: error ratio", "passed": True}]
    if failed_gate:
        checks.append({"name": failed_gate, "passed": False})
    return {"passed": passed, "load_average_1m_at_end": 1.5, "checks": [{"name": "money invariants", "passed": True}],
            "steps": [{"checks": checks, "groups": [
                {"group": "public", "rps": 10.0, "p95_ms": 9, "p99_ms": 12, "failures": 0},
                {"group": "all", "rps": 120.5, "p95_ms": p95, "p99_ms": p95 * 2, "failures": 1}],
                "warm_up_groups": [{"group": "all", "rps": 15.0, "p95_ms": 300, "p99_ms": 900,
                                    "failures": warm_up_failures}]}]}


def test_every_run_gets_a_row_and_the_verdict_counts_the_passes(tmp_path: Path) -> None:
    outcomes = iter([summary(True, 40), summary(False, 130, "gate: p95 all", warm_up_failures=2), summary(True, 45)])
    seen: list[Path] = []

    def run_once(options: LoadOptions) -> int:
        seen.append(options.reports_dir)
        report = report_directory(options.reports_dir, f"load-{len(seen)}")
        report.mkdir()
        outcome = next(outcomes)
        (report / "summary.json").write_text(json.dumps(outcome))
        return 0 if outcome["passed"] else 1

    options = LoadOptions("load", None, 0, tmp_path, tmp_path / "profiles.toml")
    assert run_repeated(options, 3, required=2, run_once=run_once) == 0
    assert len(set(seen)) == 1 and seen[0].parent == tmp_path and seen[0].name.endswith("-load-x3")
    text = (seen[0] / "summary.md").read_text()
    assert text.startswith("# `load` run 3 times: 2 of 3 passed (PASS, at least 2 needed)")
    assert "| 2 | FAIL | 120.5 | 130 | 260 | 3 | gate: p95 all | 1.50 |" in text, "the warm-up's failures count"
    assert "| 1 | PASS | 120.5 | 40 | 80 | 1 | none | 1.50 |" in text


def test_fewer_passes_than_required_fail_the_whole(tmp_path: Path) -> None:
    def run_once(options: LoadOptions) -> int:
        report = report_directory(options.reports_dir, "load-1")
        report.mkdir()
        (report / "summary.json").write_text(json.dumps(summary(False, 300, "gate: p99 all")))
        return 1

    options = LoadOptions("load", None, 0, tmp_path, tmp_path / "profiles.toml")
    assert run_repeated(options, 1, required=1, run_once=run_once) == 1


def test_asking_for_more_passes_than_runs_is_refused_before_anything_starts(tmp_path: Path) -> None:
    from ops.loadtest.__main__ import main

    assert main(["run", "--profile", "load", "--runs", "2", "--pass-at-least", "3",
                 "--reports-dir", str(tmp_path)]) == 2
    assert list(tmp_path.iterdir()) == []
