"""``make loadtest PROFILE=... TARGET=<stack>``: the same profile, run by Locust inside the stack's cluster.

From the stack's outputs (``pulumi stack output``) the runner takes the kubeconfig and what the load generator
put there (``stacks/load_and_chaos.py``): per profile a master and a workers CronJob that never fire. A run
creates one Job from each (``kubectl create job --from=cronjob/...``); for the chaos profile, once the workers
are ready, it also creates a Chaos Mesh Workflow from the stack's paused Schedule, so the faults and the load
start together. It waits for the master pod to turn Ready (its results are written), copies its results
folder into ``reports/``, lets it go (it then exits with Locust's code) and deletes what the run created. The
verdict is the local run's: the profile's gates, evaluated by the master on the whole run's statistics, and
Locust's exit code; plus checks that the copied files are this run's.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ops.chaos.scenarios import load_scenarios
from ops.chaos.verdicts import REVOKED
from ops.loadtest import pod
from ops.loadtest.kubectl import ClusterError, Kubectl, kubeconfig_file, stack_outputs
from ops.loadtest.loadrun import finish, new_report, report_directory
from ops.loadtest.locust_process import LocustOutcome
from ops.loadtest.profiles import load_config
from ops.loadtest.report import Check, StepReport
from ops.loadtest.steps import step_from_files
from ops.loadtest.target import TargetError, allowed_url

log = logging.getLogger(__name__)

NOT_CHECKED_IN_CLUSTER = [
    "money invariants: they read the stack's DynamoDB; run `python -m ops.ledger_audit` where AWS credentials "
    "reach it",
    "counts against the gateway's http_requests_total: the gateway has several replicas; compare with "
    "Prometheus' sum over the run",
]


@dataclass(frozen=True)
class ClusterOptions:
    profile: str
    stack: str
    reports_dir: Path
    host: str | None = None
    """Only the stack's own gateway: the Jobs and their network policy reach nothing else."""
    poll_s: float = 5.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Plan:
    """What the stack's outputs say about a run of one profile."""

    namespace: str
    target_url: str
    workers: int
    results_dir: str
    master_cronjob: str
    workers_cronjob: str
    deadline_s: float
    schedule: str | None
    """The chaos Schedule a chaos run makes its Workflow from."""

    @classmethod
    def from_outputs(cls, outputs: dict[str, Any], stack: str, profile: str) -> Plan:
        load = outputs.get("loadtest")
        if not isinstance(load, dict):
            raise TargetError(f"stack {stack} has no load generator: set cnop:loadtest.enabled and deploy it")
        jobs = (load.get("profiles") or {}).get(profile)
        if jobs is None:
            raise TargetError(f"stack {stack} cannot run profile {profile!r}: its cnop:loadtest.profiles are "
                              f"{', '.join(load.get('profiles') or {})}")
        chaos = outputs.get("chaos") if profile == load_scenarios().defaults.workload else None
        return cls(str(load["namespace"]), str(load["targetUrl"]), int(load["workers"]), str(load["resultsDir"]),
                   str(jobs["master"]), str(jobs["workers"]), float(jobs["deadlineSeconds"]),
                   str(chaos["schedule"]) if isinstance(chaos, dict) else None)


def run_name(profile: str, now: datetime | None = None) -> str:
    """The Jobs' name: the profile and the time, lower-case (a Kubernetes name), short enough for pod names."""
    return f"loadtest-{profile}-{(now or datetime.now(UTC)):%Y%m%d%H%M%S}"


def workflow_from(schedule: dict[str, Any], name: str) -> dict[str, Any]:
    """A one-shot Workflow with the paused Schedule's workflow: the Schedule is its template."""
    metadata = schedule["metadata"]
    return {"apiVersion": schedule["apiVersion"], "kind": "Workflow",
            "metadata": {"name": name, "namespace": metadata["namespace"], "labels": metadata.get("labels", {})},
            "spec": schedule["spec"]["workflow"]}


class ClusterRun:
    def __init__(self, options: ClusterOptions, plan: Plan, kubectl: Kubectl, name: str) -> None:
        self.options, self.plan, self.kubectl, self.name = options, plan, kubectl, name
        self.master_job, self.workers_job = f"{name}-master", f"{name}-workers"
        self.workflow: str | None = None

    def _wait(self, what: str, deadline_s: float, ready: Callable[[], str | None]) -> str:
        deadline = self.options.clock() + deadline_s
        while (found := ready()) is None:
            if self.options.clock() > deadline:
                raise ClusterError(f"{what} within {deadline_s:.0f} s: `kubectl -n {self.plan.namespace} describe "
                                   f"job {self.master_job}`")
            self.options.sleep(self.options.poll_s)
        return found

    def start(self) -> None:
        busy = self.kubectl.active_load_jobs()
        if busy:
            raise ClusterError(f"a load run is already going on in the cluster ({', '.join(busy)}): one at a time")
        self.kubectl.create_job(self.master_job, self.plan.master_cronjob)
        self.kubectl.create_job(self.workers_job, self.plan.workers_cronjob)
        log.info("started %s and %s in namespace %s", self.master_job, self.workers_job, self.plan.namespace)
        if self.plan.schedule is not None:
            self._wait("the workers were not ready", self.plan.deadline_s, self._workers_ready)
            schedule = self.kubectl.get("schedule.chaos-mesh.org", self.plan.schedule)
            self.workflow = self.name
            self.kubectl.create(workflow_from(schedule, self.workflow))
            log.info("faults: workflow %s from schedule %s", self.workflow, self.plan.schedule)

    def _workers_ready(self) -> str | None:
        status = self.kubectl.job_status(self.workers_job)
        return "ready" if int(status.get("ready") or 0) >= self.plan.workers else None

    def _master_ready(self) -> str | None:
        """The master pod once Ready (its results written); an error if it ended without getting there."""
        for master in self.kubectl.pods_of(self.master_job):
            status = master.get("status") or {}
            name = str(master["metadata"]["name"])
            if any(c.get("ready") for c in status.get("containerStatuses") or []):
                return name
            if status.get("phase") in ("Succeeded", "Failed"):
                raise ClusterError(f"the master pod {name} ended ({status['phase']}) before its results were "
                                   f"written: `kubectl -n {self.plan.namespace} logs {name}`")
        return None

    def collect(self, destination: Path) -> None:
        master = self._wait("the master's results were not ready", self.plan.deadline_s, self._master_ready)
        destination.parent.mkdir(parents=True, exist_ok=True)
        self.kubectl.copy_from(master, "master", self.plan.results_dir, destination)
        self.kubectl.exec(master, "master", "touch", f"{self.plan.results_dir}/{pod.COLLECTED_FILE}")
        log.info("results of %s copied to %s", master, destination)

    def clean_up(self) -> None:
        try:
            self.kubectl.delete("job", self.master_job, self.workers_job)
            if self.workflow is not None:
                self.kubectl.delete("workflow.chaos-mesh.org", self.workflow)
        except ClusterError as exc:
            log.error("could not delete what the run created: %s", exc)


def aggregated_requests(stats_csv: Path) -> int | None:
    """The request count of the ``Aggregated`` row of Locust's ``locust_stats.csv``."""
    if not stats_csv.exists():
        return None
    with stats_csv.open(newline="") as file:
        for row in csv.DictReader(file):
            if row.get("Name") == "Aggregated":
                return int(row["Request Count"])
    return None


def integrity_checks(summary: dict[str, Any] | None, results: Path, profile: str, target_url: str) -> list[Check]:
    """The copied files are this run's: its profile and target, and Locust's CSV agrees with our summary. The
    CSV is written when the run time ends, the summary when Locust quits: the requests that finish while the
    users stop are in the summary alone, so the CSV may count fewer, never more."""
    if summary is None:
        return []
    counted = sum(int(endpoint["requests"]) for endpoint in summary.get("endpoints", []))
    aggregated = aggregated_requests(results / "locust_stats.csv")
    return [
        Check("the results are this profile's, against the stack's gateway",
              summary.get("profile") == profile and summary.get("host") == target_url,
              f"profile {summary.get('profile')}, host {summary.get('host')}"),
        Check("Locust's CSV and the summary are one run's", aggregated is not None and 0 < aggregated <= counted,
              f"locust_stats.csv {aggregated} requests, summary {counted}"),
    ]


def chaos_checks(summary: dict[str, Any] | None) -> list[Check]:
    """The chaos verdicts the run's status tally supports (the timed ones need the local journal)."""
    if summary is None:
        return []
    statuses = summary.get("statuses", [])
    server_errors = sum(s["count"] for s in statuses if s["status"] >= 500 and s["status"] != 503)
    revoked = [s for s in statuses if s["name"] == REVOKED]
    served = sum(s["count"] for s in revoked if s["status"] == 200)
    return [
        Check("no 5xx but 503, at any time", server_errors == 0, f"{server_errors} answers 500-599 but 503"),
        Check("a revoked token is never served", bool(revoked) and served == 0,
              f"asked {sum(s['count'] for s in revoked)} times, served {served}"),
    ]


def run_in_cluster(options: ClusterOptions) -> int:
    outputs = stack_outputs(options.stack)
    plan = Plan.from_outputs(outputs, options.stack, options.profile)
    if options.host is not None:
        allowed_url(options.host, own=plan.target_url)  # the Jobs are the stack's: its gateway or nothing
    profile = load_config().profile(options.profile)
    directory = report_directory(options.reports_dir, f"{options.profile}-{options.stack}")
    report = new_report(options.profile)
    name = run_name(options.profile)
    report.target = {"gateway_url": plan.target_url, "owned": False, "stack": options.stack,
                     "namespace": plan.namespace, "workers": plan.workers, "run": name}
    report.extra["not_checked"] = NOT_CHECKED_IN_CLUSTER
    started = options.clock()
    results = directory / "locust"
    with kubeconfig_file(outputs["kubeconfig"]) as kubeconfig:
        run = ClusterRun(options, plan, Kubectl(kubeconfig, plan.namespace), name)
        try:
            run.start()
            run.collect(results)
        finally:
            run.clean_up()
    code_file = results / pod.EXIT_CODE_FILE
    outcome = LocustOutcome(int(code_file.read_text()) if code_file.exists() else 1, False,
                            options.clock() - started)
    step: StepReport = step_from_files(options.profile, profile.description, plan.target_url, outcome,
                                       results / "locust-summary.json", results / "locust_stats_history.csv")
    step.checks += integrity_checks(step.summary, results, options.profile, plan.target_url)
    if options.profile == load_scenarios().defaults.workload:
        step.checks += chaos_checks(step.summary)
    report.steps.append(step)
    return finish(report, results / "locust_stats_history.csv", directory, options.profile)
