"""``make loadtest``: one profile against the local stack (a fresh one, or the one at HOST), then the
money audit, the charts and the report; the exit code is the verdict. With ``--allow-remote-target`` HOST may
be a gateway elsewhere: the same gates, charts and report, without what needs the stack's own processes."""

from __future__ import annotations

import logging
import shlex
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from apps.common.models import dynamodb_connection
from ops.ledger_audit import audit
from ops.loadtest.charts import write_charts
from ops.loadtest.locust_process import LocustJob
from ops.loadtest.markdown import to_markdown
from ops.loadtest.profiles import gateway_config_in_force, load_config
from ops.loadtest.report import Check, RunReport, StepReport, machine, now_iso, write_report
from ops.loadtest.resources import ResourceSampler
from ops.loadtest.steps import run_step
from ops.loadtest.target import Target, stack_target

log = logging.getLogger(__name__)


NOT_CHECKED_REMOTELY = [
    "money invariants: they read the stack's DynamoDB, which this machine does not reach",
    "counts against the gateway's http_requests_total: one replica's /metrics is not the gateway's count; "
    "compare with Prometheus' sum over the run",
]


@dataclass(frozen=True)
class LoadOptions:
    profile: str
    host: str | None
    workers: int
    reports_dir: Path
    profiles_file: Path
    remote: bool = False
    """HOST is a gateway elsewhere (``--allow-remote-target``): no local stack behind it."""


def report_directory(reports_dir: Path, name: str) -> Path:
    return reports_dir / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{name}"


def audit_check(target: Target, report: RunReport) -> None:
    report.audit = audit(dynamodb_connection(target.platform_settings()), target.table_prefix)
    report.checks.append(Check("money invariants over every account", report.audit.passed,
                               f"{report.audit.accounts} accounts, {report.audit.orders} orders, "
                               f"{len(report.audit.problems)} problems"))


def observed_limits(steps: list[StepReport]) -> dict[str, list[str]]:
    """The X-RateLimit-Limit values the steps saw, by endpoint: the limits actually in force."""
    observed: dict[str, list[str]] = {}
    for step in steps:
        for row in (step.summary or {}).get("rate_limit_headers", []):
            observed[f"{row['method']} {row['name']}"] = row["limits"]
    return observed


def new_report(profile: str) -> RunReport:
    return RunReport("loadtest", f"Load test `{profile}`", shlex.join(["python", "-m", "ops.loadtest",
                     *sys.argv[1:]]), now_iso(), {}, machine())


def finish(report: RunReport, history_csv: Path, directory: Path, profile: str) -> int:
    """Charts, the report's files and its markdown on stdout; the exit code is the verdict."""
    report.charts = [path.name for path in write_charts(history_csv, directory, profile)]
    summary = write_report(report, directory)
    print(to_markdown(report), end="")
    log.info("%s: %s (report %s)", profile, "PASS" if report.passed else "FAIL", summary)
    return 0 if report.passed else 1


def run_remote(options: LoadOptions, host: str) -> int:
    """Locust here against a gateway elsewhere: its gates and exit code, nothing that reads the stack."""
    profile = load_config(options.profiles_file).profile(options.profile)
    directory = report_directory(options.reports_dir, options.profile)
    report = new_report(options.profile)
    report.target = {"gateway_url": host, "owned": False, "remote": True, "workers": options.workers}
    report.extra["not_checked"] = NOT_CHECKED_REMOTELY
    log.warning("profile %s against %s, a host outside this machine (--allow-remote-target)", options.profile, host)
    job = LocustJob(options.profile, profile, options.profiles_file, host, directory / "locust", options.workers,
                    extra_args=("--cnop-allowed-host", urlsplit(host).hostname or ""))
    report.steps.append(run_step(job, profile.description, cross_check=False))
    return finish(report, job.history_csv, directory, options.profile)


def run_load(options: LoadOptions) -> int:
    if options.remote and options.host:
        return run_remote(options, options.host)
    config = load_config(options.profiles_file)
    profile = config.profile(options.profile)
    directory = report_directory(options.reports_dir, options.profile)
    report = new_report(options.profile)
    log.info("profile %s: %s; report in %s", options.profile, profile.description, directory)
    with stack_target(options.host, directory / "stack") as target:
        report.target = {"gateway_url": target.gateway_url, "owned": target.owned,
                         "table_prefix": target.table_prefix, "workers": options.workers}
        sampler = ResourceSampler().start()
        for name, pid in target.pids.items():
            sampler.watch(name, pid, "stack")
        job = LocustJob(options.profile, profile, options.profiles_file, target.gateway_url, directory / "locust",
                        options.workers)
        try:
            report.steps.append(run_step(job, profile.description, sampler))
        finally:
            report.resources = sampler.stop()
        audit_check(target, report)
        report.gateways["stack gateway"] = {**gateway_config_in_force(target.gateway_overrides),
                                            "observed_x_ratelimit_limit": observed_limits(report.steps)}
    return finish(report, job.history_csv, directory, options.profile)
