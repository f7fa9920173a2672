"""``make chaos`` as CI would run it, on a short timeline: a scenario that holds passes, and a gate broken on
purpose fails the process and is named in the report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ops.servers import REPO

SCENARIOS = """
[defaults]
workload = "chaos"
warm_up_s = 5
settle_s = 6
max_recovery_s = 10
max_answer_s = 10

[scenarios.redis-kill]
description = "redis-server killed and started again"
faults = [{ kind = "kill", target = "redis", at_s = 0, duration_s = 2 }]

[scenarios.impossible-recovery]
description = "the order app killed, with a recovery bound no stack can meet"
faults = [{ kind = "kill", target = "order", at_s = 0, duration_s = 2 }]
max_recovery_s = 0
"""


def test_a_broken_gate_fails_the_run_and_is_named_while_a_held_scenario_passes(tmp_path: Path) -> None:
    scenarios = tmp_path / "chaos.toml"
    scenarios.write_text(SCENARIOS)
    reports = tmp_path / "reports"
    done = subprocess.run([sys.executable, "-m", "ops.chaos", "--scenarios-file", str(scenarios),
                           "--reports-dir", str(reports)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-3000:]
    [directory] = [path for path in reports.iterdir() if (path / "summary.json").exists()]
    report = json.loads((directory / "summary.json").read_text())
    steps = {step["name"]: step for step in report["steps"]}
    held, broken = steps["chaos redis-kill"], steps["chaos impossible-recovery"]
    assert held["passed"], [c for c in held["checks"] if not c["passed"]]
    failed = [c["name"] for c in broken["checks"] if not c["passed"]]
    assert failed == ["the first success after each fault within 0 s"]
    assert {c["name"] for c in report["checks"]} == {"money invariants over every account", "no process left behind"}
    assert all(c["passed"] for c in report["checks"])
    assert "the first success after each fault within 0 s | FAIL" in (directory / "summary.md").read_text()
    for name in ("redis-kill", "impossible-recovery"):
        assert {"throughput.png", "latency.png", "journal.jsonl"} <= {p.name for p in (directory / name).iterdir()}
