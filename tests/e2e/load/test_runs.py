"""Whole runs as CI makes them: the smoke profile on a fresh stack passes its gates, a run with an impossible
gate fails the process, and the security run's verdicts all hold. Figures go to the reports, not here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ops.loadtest.profiles import PROFILES_FILE
from ops.stack.config import StackSettings
from tests.e2e.load.conftest import RunnerResult, run_loadtest, stack_env

EXTRA_PROFILES = """
[profiles.impossible]
description = "A gate no run can meet"
locustfiles = ["browse.py"]
users = 2
spawn_rate = 2
run_time_s = 4
max_requests = 2000
[profiles.impossible.gates]
min_rps = 1000000

[profiles.warmed]
description = "Browsing with a warm-up"
locustfiles = ["browse.py"]
users = 2
spawn_rate = 2
run_time_s = 8
warm_up_s = 3
think_time_s = [0.05, 0.1]
max_requests = 2000
[profiles.warmed.gates]
max_error_ratio = 0.0
latency_ms.all = { p99 = 5000 }
"""


def _run_extra_profile(name: str, tmp_path: Path, running_stack: tuple[StackSettings, dict[str, str]],
                       workers: int = 0) -> RunnerResult:
    """One of ``EXTRA_PROFILES`` against the module's running stack."""
    settings, env = running_stack
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(PROFILES_FILE.read_text() + EXTRA_PROFILES)
    return run_loadtest(["run", "--profile", name, "--host", settings.gateway_url, "--profiles-file", str(profiles),
                         "--workers", str(workers)], tmp_path / "reports", env)


def _checks(report: dict[str, Any]) -> dict[str, bool]:
    checks = {c["name"]: c["passed"] for step in report["steps"] for c in step["checks"]}
    return {**checks, **{c["name"]: c["passed"] for c in report["checks"]}}


def test_smoke_on_a_fresh_stack_passes_every_gate_and_leaves_a_full_report(tmp_path: Path) -> None:
    result = run_loadtest(["run", "--profile", "smoke"], tmp_path / "reports", stack_env(tmp_path / "unused"))
    assert result.returncode == 0, result.output[-3000:]
    report = result.report
    assert report["passed"] and report["target"]["owned"]
    checks = _checks(report)
    assert all(checks.values()), checks
    assert {"gate: error ratio", "gate: throughput", "gate: p95 all", "Locust process exit code",
            "Locust's counts match the gateway's http_requests_total",
            "money invariants over every account"} <= set(checks)
    step = report["steps"][0]
    assert {g["group"] for g in step["groups"]} >= {"all", "public", "default", "trading", "login", "auth"}
    assert report["invariants"]["orders"] > 0 and report["invariants"]["problems"] == []
    assert {r["role"] for r in report["resources"]} == {"stack", "generator"}
    observed = report["gateways"]["stack gateway"]["observed_x_ratelimit_limit"]
    assert observed["GET /api/v1/portfolio"] == ["6000"] and observed["POST /api/v1/auth/login"] == ["3000"]
    files = {path.relative_to(result.directory).as_posix() for path in result.directory.rglob("*")}
    assert {"summary.json", "summary.md", "throughput.png", "latency.png", "locust/report.html",
            "locust/locust_stats.csv", "locust/locust_stats_history.csv", "stack/logs/gateway.log"} <= files


def test_an_impossible_gate_fails_the_locust_process_and_the_run(
    tmp_path: Path, running_stack: tuple[StackSettings, dict[str, str]]
) -> None:
    result = _run_extra_profile("impossible", tmp_path, running_stack)
    assert result.returncode == 1, result.output[-3000:]
    step = result.report["steps"][0]
    assert step["locust_exit_code"] == 1, "the gate is Locust's own exit code, not only the runner's verdict"
    checks = _checks(result.report)
    assert checks["gate: throughput"] is False and checks["Locust process exit code"] is False
    assert checks["gate: error ratio"] and checks["money invariants over every account"]
    assert "FAIL" in (result.directory / "summary.md").read_text().splitlines()[0]


@pytest.mark.parametrize("workers", [0, 2], ids=["one process", "a master and two workers"])
def test_a_warm_up_is_measured_apart_and_the_gates_judge_what_follows(
    tmp_path: Path, running_stack: tuple[StackSettings, dict[str, str]], workers: int
) -> None:
    """Every request in one window: a distributed run's workers send what they logged before the master starts
    its statistics again."""
    result = _run_extra_profile("warmed", tmp_path, running_stack, workers)
    assert result.returncode == 0, result.output[-3000:]
    step = result.report["steps"][0]
    locust = json.loads((result.directory / "locust" / "locust-summary.json").read_text())
    warm, after = locust["warm_up"], locust
    warm_requests = sum(e["requests"] for e in warm["endpoints"])
    after_requests = sum(e["requests"] for e in after["endpoints"])
    assert warm_requests > 0 and after_requests > 0
    assert 2 <= warm["duration_s"] <= 3.5 and after["duration_s"] <= 6
    answered = sum(s["count"] for s in locust["statuses"])
    assert answered == warm_requests + after_requests, "every request is in the warm-up or in the run, once"
    assert min(int(t) for t in after["requests_per_second"]) >= max(int(t) for t in warm["requests_per_second"])
    groups = {g["group"]: g for g in step["groups"]}
    assert groups["all"]["requests"] == after_requests
    assert {g["group"]: g["requests"] for g in step["warm_up_groups"]}["all"] == warm_requests
    assert step["crosscheck"]["passed"], "the gateway's count is the whole run's"
    assert "Warm-up, the run's first" in (result.directory / "summary.md").read_text()


def test_the_security_run_holds_every_verdict(tmp_path: Path) -> None:
    """On a stack of its own, so the run may restart its Redis without its data."""
    result = run_loadtest(["security"], tmp_path / "reports", stack_env(tmp_path / "unused"))
    assert result.returncode == 0, result.output[-3000:]
    checks = _checks(result.report)
    assert all(checks.values()), {name: ok for name, ok in checks.items() if not ok}
    assert [step["name"] for step in result.report["steps"]] == [
        "security-ratelimit", "security-bruteforce", "security-tokenabuse", "security-concurrency", "security-breaker"]
    for verdict in ("429s start at the configured limit (± one window's refill) for every client",
                    "every counted response carries X-RateLimit-Limit/Remaining/Reset with the configured limit",
                    "the client is blocked after exactly 5 failed logins",
                    "every request with a missing, malformed, forged, expired or revoked token is refused 401 AUTH_001",
                    "another user's order id answers 404, and no listing shows it",
                    "failing fast: every open-circuit answer was counted as a rejection, none waited on the upstream",
                    "it recovered: reads succeed after the upstream came back, with no 5xx since",
                    "no 5xx outside the deliberate breaker period",
                    "schemathesis against the gateway's OpenAPI finds no 5xx",
                    "JSON nested 1,000 deep (UTF-8 or UTF-16) is 400 SVC_001 on every POST route, the connection "
                    "stays usable",
                    "bodies over the limit are 413 before they are read whole; a body on a GET is 400",
                    "a good login to another account does not clear the failures against a victim",
                    "a burst of concurrent guesses gets no more password checks than the limit",
                    "dot segments and trailing slashes are 404, never forwarded or redirected",
                    "a revoked token stays revoked when Redis restarts without its data",
                    "money invariants over every account"):
        assert checks[verdict], verdict


def test_hosts_other_than_loopback_are_refused_before_anything_starts(tmp_path: Path) -> None:
    result = run_loadtest(["run", "--profile", "smoke", "--host", "http://192.0.2.10:8080"], tmp_path, {})
    assert result.returncode == 2 and "127.0.0.1" in result.output
    assert not any(tmp_path.iterdir())
