"""The markdown summary of a run: verdict first, then each step's figures, the audit, the resources
used and the configuration the gateways ran with."""

from __future__ import annotations

import json
from typing import Any

from ops.loadtest.measure import GroupStats
from ops.loadtest.report import RunReport, StepReport


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(row) + " |" for row in rows), ""]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def group_rows(groups: list[GroupStats]) -> list[list[str]]:
    return [[g.group, str(g.requests), str(g.failures), f"{g.rps:.1f}", _ms(g.p50_ms), _ms(g.p95_ms),
             _ms(g.p99_ms), _ms(round(g.max_ms))] for g in groups]


GROUP_HEADER = ["group", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]


def _step(step: StepReport) -> list[str]:
    lines = [f"## {step.name}: {'PASS' if step.passed else 'FAIL'}", "", f"{step.description}. Gateway: "
             f"`{step.gateway}`; Locust exit code {step.locust_exit_code}"
             f"{' (timed out)' if step.timed_out else ''}; {step.seconds:.0f} s.", ""]
    if step.groups:
        lines += _table(GROUP_HEADER, group_rows(step.groups))
    if step.warm_up_groups:
        seconds = ((step.summary or {}).get("warm_up") or {}).get("duration_s", 0)
        lines += [f"Warm-up, the run's first {seconds:.0f} s (before the figures above; judged by the error gates "
                  "only):", ""]
        lines += _table(GROUP_HEADER, group_rows(step.warm_up_groups))
    if len(step.by_users) > 1:
        lines += ["By the number of users held (Locust's per-second history):", ""]
        lines += _table(["users", "req/s", "p95 ms"], [[str(u), f"{r:.0f}", _ms(None if p is None else round(p))]
                                                       for u, r, p in step.by_users])
    lines += _table(["check", "verdict", "detail"], [[c.name, c.label, c.detail] for c in step.checks])
    cross = step.crosscheck
    if cross is not None:
        off = [row for row in cross.rows if row.difference]
        lines += [f"Locust counted {cross.locust_total} answered requests, the gateway "
                  f"{cross.gateway_total} (tolerance ±{cross.tolerance} per route and in total)"
                  + (":" if off else "; every route agrees exactly."), ""]
        if off:
            lines += _table(["method", "route", "locust", "gateway"],
                            [[r.method, r.route, str(r.locust), str(r.gateway)] for r in off])
    statuses = (step.summary or {}).get("statuses", [])
    unexpected = [s for s in statuses if s["status"] >= 500 or s["status"] == 0]
    if unexpected:
        lines += ["Answers without a response or with a 5xx:", ""]
        lines += _table(["method", "name", "status", "count"],
                        [[s["method"], s["name"], str(s["status"]), str(s["count"])] for s in unexpected])
    return lines


def _gateway(name: str, config: dict[str, Any]) -> list[str]:
    settings = {k: v for k, v in config.items() if k not in ("rate_limits", "observed_x_ratelimit_limit")}
    lines = [f"## Gateway configuration in force: {name}", ""]
    lines += _table(["rate-limit group", "limit", "period s"],
                    [[group, str(rule["limit"]), f"{rule['period_seconds']:g}"]
                     for group, rule in config.get("rate_limits", {}).items()])
    lines += ["Breaker, brute-force guard and the rest: " + ", ".join(f"`{k}={json.dumps(v)}`"
                                                                     for k, v in settings.items()) + ".", ""]
    observed = config.get("observed_x_ratelimit_limit") or {}
    if observed:
        lines += ["X-RateLimit-Limit seen in the answers: " + "; ".join(
            f"{endpoint} {'/'.join(values)}" for endpoint, values in observed.items()) + ".", ""]
    return lines


def _where(report: RunReport) -> str:
    target, start = report.target, report.machine_at_start
    machine = (f"machine: {start.get('cpus')} CPUs, load average {start.get('load_average_1m')} at start and "
               f"{report.load_average_1m_at_end} at the end")
    if target.get("stack"):
        return (f"stack `{target['stack']}`'s cluster (a Locust master and {target.get('workers')} workers in "
                f"namespace `{target.get('namespace')}`, run `{target.get('run')}`)")
    if target.get("remote"):
        return f"a gateway outside this machine (--allow-remote-target); Locust ran here, {machine}"
    stack = "a fresh local stack" if target.get("owned") else "a running stack"
    return f"{stack}; {machine} (the load generator runs on the same machine)"


def to_markdown(report: RunReport) -> str:
    lines = [f"# {report.title}: {'PASS' if report.passed else 'FAIL'}", "",
             f"`{report.command}`", "",
             f"From {report.started_at} to {report.finished_at}; target {report.target.get('gateway_url')}, "
             f"{_where(report)}.", ""]
    failed = [c for c in report.all_checks if not c.passed]
    lines += ["Failed checks: " + "; ".join(f"{c.name} ({c.detail})" for c in failed), ""] if failed else \
        ["Every check passed.", ""]
    not_checked = report.extra.get("not_checked") or []
    if not_checked:
        lines += ["Not checked by this run: " + "; ".join(not_checked) + ".", ""]
    for chart in report.charts:
        lines += [f"![{chart}]({chart})", ""]
    for step in report.steps:
        lines += _step(step)
    if report.checks:
        lines += ["## Run-wide checks", ""]
        lines += _table(["check", "verdict", "detail"], [[c.name, c.label, c.detail] for c in report.checks])
    if report.audit is not None:
        a = report.audit
        lines += ["## Money invariants (DynamoDB, every account)", "",
                  f"{a.accounts} accounts, {a.holdings} holdings, {a.cash_records} cash records, "
                  f"{a.asset_records} asset records, {a.orders} orders: "
                  + ("no problem found." if a.passed else f"{len(a.problems)} problems:"), ""]
        lines += [f"- {problem}" for problem in a.problems[:50]] + ([""] if a.problems else [])
    if report.resources:
        lines += ["## Resources", "", "CPU is a percentage of one core, averaged over the run.", ""]
        stack = [u for u in report.resources if u.role == "stack"]
        rows = [[u.name, u.role, f"{u.cpu_percent:.1f}", f"{u.peak_rss_mb:.0f}"] for u in report.resources]
        rows.append(["stack total", "stack", f"{sum(u.cpu_percent for u in stack):.1f}",
                     f"{sum(u.peak_rss_mb for u in stack):.0f}"])
        lines += _table(["process", "role", "CPU %", "peak RSS MB"], rows)
    for name, config in report.gateways.items():
        lines += _gateway(name, config)
    return "\n".join(lines).rstrip() + "\n"
