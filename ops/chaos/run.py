"""``make chaos``: a fresh local stack on free ports, the chaos workload running, each scenario's faults
injected into the real processes on its timeline and taken back, then the verdicts, the money audit and
the report; the exit code is 0 only when every verdict of every scenario holds."""

from __future__ import annotations

import logging
import shlex
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from apps.common.services import service
from ops.chaos import verdicts
from ops.chaos.faults import Injector, latency_unavailable
from ops.chaos.scenarios import ChaosConfig, Scenario, load_scenarios
from ops.loadtest.charts import FaultWindow, write_charts
from ops.loadtest.crosscheck import gateway_sample
from ops.loadtest.loadrun import audit_check, report_directory
from ops.loadtest.locust_process import LocustJob, LocustRun
from ops.loadtest.markdown import to_markdown
from ops.loadtest.profiles import Profile, load_config
from ops.loadtest.report import Check, RunReport, StepReport, machine, now_iso, write_report
from ops.loadtest.steps import run_step
from ops.loadtest.target import Target, fresh_stack
from ops.stack.state import StackState, alive

log = logging.getLogger(__name__)
HEALTH_EVERY_S = 0.5


@dataclass(frozen=True)
class ChaosOptions:
    scenario: str | None
    reports_dir: Path
    profiles_file: Path
    scenarios_file: Path


@dataclass
class Timeline:
    windows: list[verdicts.Window]
    health: list[str]
    locust_pids: list[int]


def _health(target: Target) -> str:
    entry = service("user")
    try:
        answer = httpx.get(f"{target.app_url(entry.name)}{entry.health_path}", timeout=2.0, trust_env=False)
        return str(answer.json().get("checks", {}).get("dynamodb", "unknown"))
    except (httpx.HTTPError, ValueError):
        return "no answer"


def _inject(scenario: Scenario, config: ChaosConfig, target: Target, timeline: Timeline, run: LocustRun) -> None:
    timeline.locust_pids.extend(run.pids)
    injector = Injector(target.stack)
    time.sleep(config.defaults.warm_up_s)
    origin = time.time()
    for fault in sorted(scenario.faults, key=lambda fault: fault.at_s):
        time.sleep(max(0.0, origin + fault.at_s - time.time()))
        started = time.time()
        injector.start(fault)
        while time.time() < started + fault.duration_s:
            if fault.target == "aws":
                timeline.health.append(_health(target))
            time.sleep(min(HEALTH_EVERY_S, max(0.0, started + fault.duration_s - time.time())))
        injector.end(fault)
        timeline.windows.append(verdicts.Window(fault, started, time.time()))


def _phases(answers: list[verdicts.Answer], windows: list[verdicts.Window]) -> dict[str, dict[str, int]]:
    def phase(answer: verdicts.Answer) -> str:
        if any(w.holds(answer) for w in windows):
            return "during"
        return "before" if windows and answer.t < windows[0].start else "after"

    tally: dict[str, Counter[str]] = {"before": Counter(), "during": Counter(), "after": Counter()}
    for answer in answers:
        tally[phase(answer)][str(answer.status) if answer.status else "no answer"] += 1
    return {name: dict(sorted(counts.items())) for name, counts in tally.items()}


def run_scenario(name: str, scenario: Scenario, config: ChaosConfig, workload: Profile, options: ChaosOptions,
                 target: Target, out_dir: Path, timeline: Timeline) -> StepReport:
    profile = workload.model_copy(update={"run_time_s": config.run_time_s(scenario)})
    journal = out_dir / "journal.jsonl"
    job = LocustJob(config.defaults.workload, profile, options.profiles_file, target.gateway_url, out_dir,
                    extra_args=("--cnop-journal", str(journal)))
    breaker = scenario.breaker_opens_for
    opened_before = gateway_sample(target.gateway_url, "gateway_circuit_breaker_transitions_total",
                                   upstream=breaker, to_state="open") if breaker else 0.0
    log.info("scenario %s: %s", name, scenario.description)
    step = run_step(job, scenario.description, during=lambda run: _inject(scenario, config, target, timeline, run),
                    cross_check=False)
    step.name = f"chaos {name}"
    answers = verdicts.read_journal(journal)
    windows = timeline.windows
    bound = config.recovery_bound(scenario)
    recovered, seconds = verdicts.recovery(answers, windows, bound, scenario.recovery_routes)
    step.checks += [verdicts.no_server_errors(answers), verdicts.documented_answers(answers, windows, bound),
                    recovered, verdicts.revoked_never_served(answers)]
    if any(w.fault.kind == "pause" for w in windows):
        step.checks.append(verdicts.bounded_answers(answers, windows, config.defaults.max_answer_s))
    if breaker:
        opened = gateway_sample(target.gateway_url, "gateway_circuit_breaker_transitions_total", upstream=breaker,
                                to_state="open") - opened_before
        step.checks.append(verdicts.breaker_opened(breaker, opened, answers))
    if any(w.fault.target == "aws" for w in windows):
        step.checks.append(verdicts.loss_said(timeline.health))
    faults = [{"fault": w.fault.label, "start": w.start, "end": w.end, "seconds": round(w.end - w.start, 2)}
              for w in windows]
    step.summary = {**(step.summary or {}), "faults": faults, "recovery_s": seconds,
                    "phases": _phases(answers, windows), "health_during_faults": dict(Counter(timeline.health))}
    charts = write_charts(job.history_csv, out_dir, f"chaos {name}",
                          [FaultWindow(w.start, w.end, w.fault.label) for w in windows])
    step.summary["charts"] = [str(path.relative_to(out_dir.parent)) for path in charts]
    return step


def run_chaos(options: ChaosOptions) -> int:
    config = load_scenarios(options.scenarios_file)
    chosen = [options.scenario] if options.scenario else list(config.scenarios)
    scenarios = {name: config.scenario(name) for name in chosen}
    workload = load_config(options.profiles_file).profile(config.defaults.workload)
    directory = report_directory(options.reports_dir, "chaos")
    report = RunReport("chaos", "Fault validation", shlex.join(["python", "-m", "ops.chaos", *sys.argv[1:]]),
                       now_iso(), {}, machine())
    latency_reason = latency_unavailable()
    not_run: dict[str, str] = {}
    pids: list[int] = []
    with fresh_stack(directory / "stack") as target:
        report.target = {"gateway_url": target.gateway_url, "owned": True, "table_prefix": target.table_prefix}
        for name, scenario in scenarios.items():
            if latency_reason and any(fault.kind == "latency" for fault in scenario.faults):
                not_run[name] = latency_reason
                log.warning("scenario %s not run: %s", name, latency_reason)
                continue
            timeline = Timeline([], [], [])
            report.steps.append(run_scenario(name, scenario, config, workload, options, target, directory / name,
                                             timeline))
            pids += timeline.locust_pids
        audit_check(target, report)
        state = StackState.load(target.stack.state_file)
        pids += [c.pid for c in state.components if c.pid] if state else []
    left = [pid for pid in pids if alive(pid)]
    report.checks.append(Check("no process left behind", not left,
                               f"{len(pids)} processes (the stack's and Locust's) checked"
                               + (f"; still running: {left}" if left else "")))
    report.extra["not_run"] = not_run
    report.charts = [chart for step in report.steps for chart in (step.summary or {}).get("charts", [])]
    summary = write_report(report, directory)
    print(to_markdown(report), end="")
    log.info("chaos: %s (report %s)", "PASS" if report.passed else "FAIL", summary)
    return 0 if report.passed else 1
