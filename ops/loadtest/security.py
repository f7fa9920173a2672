"""``make security``: the security scenarios, one Locust run each, against the gateways they test, then
schemathesis, the money audit and every verdict; the exit code is 0 only when all of them hold.

| step | gateway | verdicts |
|---|---|---|
| security-ratelimit | guard (tight public limit) | 429s start at the limit, headers on every counted response |
| security-bruteforce | guard (brute-force guard) | blocked after the configured failures, owner unaffected |
| security-tokenabuse | open | every bad token refused, other users' orders invisible |
| security-concurrency | the stack's own | only 201 or ledger refusals; invariants after the run |
| security-breaker | open (quick breaker) | fast failure while the upstream is stopped, recovery |

Then the hardening probes (``ops/loadtest/hardening.py``): nested and oversized bodies, the login guard per
target name, dot segments and trailing slashes, and, on a stack the run started, a revoked token across
Redis restarting without its data.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shlex
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from apps.gateway.settings import GatewaySettings
from ops.loadtest import verdicts
from ops.loadtest.crosscheck import gateway_requests
from ops.loadtest.hardening import hardening_checks
from ops.loadtest.loadrun import audit_check, observed_limits, report_directory
from ops.loadtest.locust_process import LocustJob, LocustRun
from ops.loadtest.markdown import to_markdown
from ops.loadtest.profiles import LoadtestConfig, gateway_config_in_force, load_config
from ops.loadtest.report import Check, RunReport, StepReport, machine, now_iso, write_report
from ops.loadtest.security_extras import breaker_state, fuzz_check, no_server_errors_check
from ops.loadtest.slice import SecuritySlice, security_slice
from ops.loadtest.steps import run_step
from ops.loadtest.target import Target, stack_target
from ops.servers import ServerError

log = logging.getLogger(__name__)

STEPS = (("security-ratelimit", "guard"), ("security-bruteforce", "guard"), ("security-tokenabuse", "open"),
         ("security-concurrency", "stack"), ("security-breaker", "open"))
TOKEN_ABUSE_CASES = 16
BREAKER_ROUTE = ("GET", "/api/v1/inventory/assets/{asset_id}")
MAX_BODY_BYTES = int(GatewaySettings.model_fields["max_body_bytes"].default)  # the slice leaves it as it is


@dataclass(frozen=True)
class SecurityOptions:
    host: str | None
    reports_dir: Path
    profiles_file: Path


def _observations(path: Path) -> list[dict[str, Any]]:
    observations: list[dict[str, Any]] = json.loads(path.read_text())["observations"] if path.exists() else []
    return observations


def _wait_for_reads(gateway_url: str, run: LocustRun, minimum: int, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and run.main.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            if gateway_requests(gateway_url)[BREAKER_ROUTE] >= minimum:
                return True
        time.sleep(0.2)
    return False


def _breaker_step(job: LocustJob, slice_: SecuritySlice, config: LoadtestConfig) -> StepReport:
    gateway = config.security.open_gateway.in_force()
    marks: dict[str, float] = {}
    rejected_before, _ = breaker_state(job.host)

    def timeline(run: LocustRun) -> None:
        if not _wait_for_reads(job.host, run, minimum=40):
            return
        marks["stop_requested"] = time.time()
        slice_.stop_app("inventory")
        marks["down"] = time.time()
        time.sleep(2 * float(gateway["breaker_cooldown_seconds"]))  # open, half-open, a failed probe, open again
        try:
            slice_.restart_app("inventory")
        except ServerError as exc:
            log.error("the inventory app did not come back: %s", exc)
            return
        marks["up"] = time.time()

    step = run_step(job, job.profile.description, during=timeline)
    rejected_after, state = breaker_state(job.host)
    step.checks += verdicts.breaker(_observations(job.out_dir / "evidence.json"), marks,
                                    int(gateway["breaker_failure_threshold"]), job.profile.peak_users,
                                    rejected_after - rejected_before, state)
    if step.summary is not None:
        step.summary["timeline"] = marks
    return step


def _step(name: str, where: str, config: LoadtestConfig, options: SecurityOptions, directory: Path,
          target: Target, slice_: SecuritySlice) -> StepReport:
    host = target.gateway_url if where == "stack" else slice_.gateway_url(where)
    out = directory / name
    job = LocustJob(name, config.profile(name), options.profiles_file, host, out, extra_args=(
        "--cnop-evidence", str(out / "evidence.json"), "--cnop-signing-key", str(slice_.key_file)))
    log.info("%s against the %s gateway %s", name, where, host)
    if name == "security-breaker":
        return _breaker_step(job, slice_, config)
    step = run_step(job, job.profile.description)
    observations = _observations(out / "evidence.json")
    guard = config.security.guard_gateway.in_force()
    if name == "security-ratelimit":
        public = guard["rate_limits"]["public"]
        step.checks += verdicts.rate_limit(observations, int(public["limit"]), float(public["period_seconds"]))
    elif name == "security-bruteforce":
        step.checks += verdicts.brute_force(observations, int(guard["login_max_failures"]))
    elif name == "security-tokenabuse":
        step.checks += verdicts.token_abuse(observations, TOKEN_ABUSE_CASES)
    elif name == "security-concurrency":
        statuses = (step.summary or {}).get("statuses", [])
        served = sum(s["count"] for s in statuses if s["method"] == "POST" and s["status"] == 201)
        refused = sum(s["count"] for s in statuses if s["method"] == "POST" and s["status"] == 422)
        busy = sum(1 for o in observations if o["kind"] == "account_busy" and o["code"] == "account_busy"
                   and "retry-after" in o["rate_headers"])
        if step.summary is not None:
            step.summary["backpressure_503"] = busy
        step.checks.append(Check("one account's concurrent orders and withdrawals are served, refused by the "
                                 "ledger's conditions or told to retry, never failed", served > 0 and step.passed,
                                 f"{served} served, {refused} refused, {busy} account_busy with Retry-After "
                                 "(money invariants checked after the run)"))
    return step


def run_security(options: SecurityOptions) -> int:
    config = load_config(options.profiles_file)
    directory = report_directory(options.reports_dir, "security")
    report = RunReport("security", "Security validation", shlex.join(["python", "-m", "ops.loadtest", *sys.argv[1:]]),
                       now_iso(), {}, machine())
    with ExitStack() as resources:
        target = resources.enter_context(stack_target(options.host, directory / "stack"))
        secrets = Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="cnop-security-")))
        slice_ = resources.enter_context(security_slice(target, config.security, directory / "slice-logs", secrets))
        report.target = {"gateway_url": target.gateway_url, "owned": target.owned, "table_prefix": target.table_prefix,
                         "guard_gateway": slice_.gateway_url("guard"), "open_gateway": slice_.gateway_url("open")}
        for name, where in STEPS:
            report.steps.append(_step(name, where, config, options, directory, target, slice_))
        fuzzed = fuzz_check(slice_, config.security.fuzz_examples)
        report.extra["schemathesis"] = fuzzed.to_json()
        report.checks.append(no_server_errors_check(report.steps, fuzzed))
        report.checks.append(Check("schemathesis against the gateway's OpenAPI finds no 5xx",
                                   fuzzed.cases > 0 and not fuzzed.server_errors and not fuzzed.invalid_operations,
                                   f"{fuzzed.cases} cases over {fuzzed.operations} operations, statuses "
                                   f"{dict(sorted(fuzzed.statuses.items()))}"))
        report.checks.append(Check("every schemathesis answer is one the gateway's OpenAPI describes",
                                   fuzzed.cases > 0 and not fuzzed.failures_per_check,
                                   f"failures per check {dict(sorted(fuzzed.failures_per_check.items())) or 'none'}; "
                                   f"first {fuzzed.conformance_failures[:3]}"))
        guard = config.security.guard_gateway.in_force()
        report.checks += hardening_checks(slice_.gateway_url("open"), slice_.gateway_url("guard"),
                                          int(guard["login_max_failures"]), MAX_BODY_BYTES,
                                          target.lose_redis_data if target.owned else None)
        audit_check(target, report)
        for label, url, in_force in (
            ("guard gateway (security slice)", slice_.gateway_url("guard"), config.security.guard_gateway.in_force()),
            ("open gateway (security slice)", slice_.gateway_url("open"), config.security.open_gateway.in_force()),
            ("stack gateway", target.gateway_url, gateway_config_in_force(target.gateway_overrides)),
        ):
            observed = observed_limits([step for step in report.steps if step.gateway == url])
            report.gateways[label] = {**in_force, "observed_x_ratelimit_limit": observed}
    summary = write_report(report, directory)
    print(to_markdown(report), end="")
    log.info("security: %s (report %s)", "PASS" if report.passed else "FAIL", summary)
    return 0 if report.passed else 1
