"""One step of a run: a Locust run of one profile against one gateway, with the gateway's counters read
before and after, and the checks its summary supports (every gate, the exit code, the cross-check)."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ops.loadtest.charts import by_user_count
from ops.loadtest.crosscheck import Key, compare, gateway_requests, locust_requests
from ops.loadtest.locust_process import LocustJob, LocustOutcome, LocustRun
from ops.loadtest.measure import EndpointStats, Measurement
from ops.loadtest.report import Check, StepReport
from ops.loadtest.resources import ResourceSampler

log = logging.getLogger(__name__)


def measurement_of(summary: dict[str, Any]) -> Measurement:
    endpoints = [EndpointStats(e["method"], e["name"], int(e["requests"]), int(e["failures"]),
                               {int(k): int(v) for k, v in e.get("histogram", {}).items()},
                               float(e.get("total_ms", 0.0)), float(e.get("max_ms", 0.0)))
                 for e in summary.get("endpoints", [])]
    per_second = {int(k): int(v) for k, v in summary.get("requests_per_second", {}).items()}
    return Measurement(float(summary.get("duration_s", 0.0)), endpoints, int(summary.get("user_exceptions", 0)),
                       per_second)


def gate_checks(summary: dict[str, Any] | None, exit_code: int, timed_out: bool) -> list[Check]:
    if summary is None:
        return [Check("Locust wrote its summary", False, f"no summary; Locust exited with {exit_code}")]
    checks = [Check(f"gate: {g['gate']}", bool(g["passed"]),
                    f"{'not measured' if g['measured'] is None else g['measured']} {g['unit']} "
                    f"(limit {g['limit']})") for g in summary.get("gates", [])]
    checks.append(Check("Locust process exit code", exit_code == 0 and not timed_out,
                        f"{exit_code}{' after overrunning its time bound' if timed_out else ''}"))
    if summary.get("refused_host"):
        checks.append(Check("target host allowed", False, f"refused {summary['refused_host']}"))
    if summary.get("stopped_by_request_cap"):
        log.warning("the run reached its request cap and stopped early")
    return checks


def step_from_files(name: str, description: str, host: str, outcome: LocustOutcome, summary_path: Path,
                    history_csv: Path) -> StepReport:
    """A step as Locust's files tell it, wherever Locust ran: its summary (our gates' verdicts and the
    histograms) and its per-second history."""
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else None
    step = StepReport(name, description, host, outcome.exit_code, outcome.timed_out, outcome.seconds,
                      summary=summary, checks=gate_checks(summary, outcome.exit_code, outcome.timed_out))
    step.by_users = by_user_count(history_csv)
    if summary is not None:
        step.groups = list(measurement_of(summary).groups().values())
        if summary.get("warm_up"):
            step.warm_up_groups = list(measurement_of(summary["warm_up"]).groups().values())
    return step


def run_step(job: LocustJob, description: str, sampler: ResourceSampler | None = None,
             during: Callable[[LocustRun], None] | None = None, cross_check: bool = True) -> StepReport:
    """Runs the job to its end; ``during`` runs meanwhile (it may act on the stack, e.g. stop an app)."""
    before: Counter[Key] = gateway_requests(job.host) if cross_check else Counter()
    run = LocustRun(job)
    if sampler is not None:
        for index, pid in enumerate(run.pids):
            sampler.watch(f"locust {'master' if index == 0 and job.workers else 'worker ' + str(index)}"
                          if job.workers else "locust", pid, "generator")
    try:
        if during is not None:
            during(run)
        outcome = run.wait()
    except BaseException:  # an interrupted run (SIGTERM, Ctrl-C, a failed action) leaves no Locust behind
        run.stop()
        raise
    step = step_from_files(job.profile_name, description, job.host, outcome, job.summary_path, job.history_csv)
    summary = step.summary
    if summary is not None and cross_check:
        step.crosscheck = compare(locust_requests(summary.get("statuses", [])), before,
                                  gateway_requests(job.host))
        step.checks.append(Check("Locust's counts match the gateway's http_requests_total",
                                 step.crosscheck.passed,
                                 f"locust {step.crosscheck.locust_total}, gateway {step.crosscheck.gateway_total},"
                                 f" tolerance ±{step.crosscheck.tolerance}"))
    return step
