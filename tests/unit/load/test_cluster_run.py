"""``make loadtest TARGET=<stack>`` against stand-in ``kubectl`` and ``pulumi`` executables on PATH
(``tests/support/fake_cluster.py``): the commands the runner would send a cluster, in order, and the report it
makes from a real Locust run's files (``data/locust-smoke/``: a local smoke run's summary and CSVs, as a
master pod's results folder holds them). Also: which hosts a run may target."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from ops.loadtest import __main__ as cli
from ops.loadtest import pod
from ops.loadtest.cluster import ClusterOptions, aggregated_requests, chaos_checks, run_in_cluster, workflow_from
from ops.loadtest.kubectl import ClusterError
from ops.loadtest.target import TargetError, allowed_url
from tests.support.fake_cluster import WORLD, FakeCluster

RESULTS = Path(__file__).parent / "data" / "locust-smoke"
RECORDED = json.loads((RESULTS / "locust-summary.json").read_text())
NAMESPACE = "cnop"


def outputs(profiles: tuple[str, ...] = ("smoke", "chaos"), with_chaos: bool = True) -> dict[str, Any]:
    """A stack's outputs as ``stacks/load_and_chaos.py`` exports them. The target URL is the host the recorded
    run loaded (a local stack's), so the recorded files are this run's."""
    stack: dict[str, Any] = {
        "kubeconfig": {"apiVersion": "v1", "kind": "Config", "clusters": []},
        "loadtest": {"namespace": NAMESPACE, "targetUrl": RECORDED["host"], "workers": 2, "resultsDir": "/reports",
                     "masterService": "loadtest-master",
                     "profiles": {name: {"master": f"loadtest-{name}-master", "workers": f"loadtest-{name}-workers",
                                         "deadlineSeconds": 60} for name in profiles}}}
    if with_chaos:
        stack["chaos"] = {"namespace": NAMESPACE, "schedule": "cnop-chaos", "recurring": False}
    return stack


SCHEDULE = {"apiVersion": "chaos-mesh.org/v1alpha1", "kind": "Schedule",
            "metadata": {"name": "cnop-chaos", "namespace": NAMESPACE, "labels": {"app.kubernetes.io/part-of": "cnop"},
                         "annotations": {"experiment.chaos-mesh.org/pause": "true"}},
            "spec": {"schedule": "0 0 31 2 *", "type": "Workflow", "workflow": {"entry": "cnop-chaos", "templates": [
                {"name": "cnop-chaos", "templateType": "Suspend", "deadline": "1s"}]}}}


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    fake = FakeCluster(tmp_path / "world")
    fake.install(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv(WORLD, str(fake.folder))
    return fake


def results_with_exit_code(tmp_path: Path, code: int) -> Path:
    """The master's results folder: Locust's files and the exit code the pod supervisor writes."""
    folder = tmp_path / "master-results"
    folder.mkdir()
    for file in RESULTS.iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    (folder / pod.EXIT_CODE_FILE).write_text(f"{code}\n")
    return folder


def options(tmp_path: Path, profile: str = "smoke", host: str | None = None) -> ClusterOptions:
    return ClusterOptions(profile, "dev", tmp_path / "reports", host, poll_s=0.01)


def commands(cluster: FakeCluster) -> list[list[str]]:
    """kubectl's arguments after the kubeconfig and the namespace, which every call must name."""
    calls = cluster.calls()
    assert all(call["args"][0] == "--kubeconfig" and call["args"][2:4] == ["--namespace", NAMESPACE]
               for call in calls)
    return [call["args"][4:] for call in calls]


def test_a_run_starts_the_jobs_waits_for_the_master_copies_its_results_and_cleans_up(
        cluster: FakeCluster, tmp_path: Path) -> None:
    cluster.configure(outputs(), results_with_exit_code(tmp_path, 0), master_ready_after=2)
    assert run_in_cluster(options(tmp_path)) == 0

    sent = commands(cluster)
    master = next(c[2] for c in sent if c[:2] == ["create", "job"])
    assert re.fullmatch(r"loadtest-smoke-\d{14}-master", master)
    workers = master.removesuffix("-master") + "-workers"
    pod_name = f"{master}-x7k2p"
    (report,) = (tmp_path / "reports").iterdir()
    assert sent == [
        ["get", "jobs", "--selector", "app.kubernetes.io/component=loadtest", "--output", "json"],
        ["create", "job", master, "--from=cronjob/loadtest-smoke-master"],
        ["create", "job", workers, "--from=cronjob/loadtest-smoke-workers"],
        *[["get", "pods", "--selector", f"batch.kubernetes.io/job-name={master}", "--output", "json"]] * 3,
        ["cp", f"{NAMESPACE}/{pod_name}:/reports", str(report / "locust"), "--container", "master"],
        ["exec", pod_name, "--container", "master", "--", "touch", f"/reports/{pod.COLLECTED_FILE}"],
        ["delete", "job", master, workers, "--ignore-not-found", "--wait=false"],
    ]
    assert [call["args"][:4] for call in cluster.calls("pulumi")] == [["stack", "output", "--json", "--show-secrets"]]
    kubeconfig = Path(cluster.calls()[0]["args"][1])
    assert not kubeconfig.exists()  # the revealed kubeconfig does not outlive the run

    summary = json.loads((report / "summary.json").read_text())
    assert summary["passed"] is True
    assert summary["target"] == {"gateway_url": RECORDED["host"], "owned": False, "stack": "dev",
                                 "namespace": NAMESPACE, "workers": 2, "run": master.removesuffix("-master")}
    (step,) = summary["steps"]
    checks = {check["name"]: check for check in step["checks"]}
    assert {f"gate: {gate['gate']}" for gate in RECORDED["gates"]} < set(checks)
    assert checks["Locust process exit code"]["passed"] is True
    one_run = checks["Locust's CSV and the summary are one run's"]
    assert one_run["detail"] == "locust_stats.csv 667 requests, summary 685"  # the summary adds the stopping
    assert step["groups"][0]["requests"] == sum(e["requests"] for e in RECORDED["endpoints"])
    assert {"throughput.png", "latency.png"} <= {path.name for path in report.iterdir()}
    assert "Not checked by this run: money invariants" in (report / "summary.md").read_text()


def test_locust_s_exit_code_from_the_pod_is_the_verdict(cluster: FakeCluster, tmp_path: Path) -> None:
    cluster.configure(outputs(), results_with_exit_code(tmp_path, 1))
    assert run_in_cluster(options(tmp_path)) == 1
    (report,) = (tmp_path / "reports").iterdir()
    failed = [c["name"] for c in json.loads((report / "summary.json").read_text())["steps"][0]["checks"]
              if not c["passed"]]
    assert failed == ["Locust process exit code"]


def test_results_of_another_target_fail_the_run(cluster: FakeCluster, tmp_path: Path) -> None:
    stack = outputs()
    stack["loadtest"]["targetUrl"] = "http://gateway.cnop.svc.cluster.local:8080"
    cluster.configure(stack, results_with_exit_code(tmp_path, 0))
    assert run_in_cluster(options(tmp_path)) == 1
    (report,) = (tmp_path / "reports").iterdir()
    assert "the results are this profile's, against the stack's gateway" in (report / "summary.md").read_text()


def test_a_chaos_run_starts_the_faults_from_the_schedule_once_the_workers_are_ready(
        cluster: FakeCluster, tmp_path: Path) -> None:
    cluster.configure(outputs(), results_with_exit_code(tmp_path, 0), workers_ready=2, schedule=SCHEDULE)
    assert run_in_cluster(options(tmp_path, "chaos")) == 1  # the recorded files are a smoke run's: refused

    sent = commands(cluster)
    workers = next(c[2] for c in sent if c[:2] == ["create", "job"] and c[2].endswith("-workers"))
    run = workers.removesuffix("-workers")
    at = sent.index(["get", "job", workers, "--output", "json"])
    assert sent[at + 1] == ["get", "schedule.chaos-mesh.org", "cnop-chaos", "--output", "json"]
    assert sent[at + 2] == ["create", "--filename", "-"]
    created = json.loads(cluster.calls()[at + 2]["stdin"])
    assert created == {"apiVersion": "chaos-mesh.org/v1alpha1", "kind": "Workflow",
                       "metadata": {"name": run, "namespace": NAMESPACE, "labels": SCHEDULE["metadata"]["labels"]},
                       "spec": SCHEDULE["spec"]["workflow"]}
    assert sent[-1] == ["delete", "workflow.chaos-mesh.org", run, "--ignore-not-found", "--wait=false"]
    (report,) = (tmp_path / "reports").iterdir()
    checks = {c["name"]: c for c in json.loads((report / "summary.json").read_text())["steps"][0]["checks"]}
    assert checks["the results are this profile's, against the stack's gateway"]["passed"] is False
    assert checks["no 5xx but 503, at any time"]["passed"] is True
    assert checks["a revoked token is never served"] == {
        "name": "a revoked token is never served", "passed": False, "detail": "asked 0 times, served 0",
        "label": "FAIL"}


def test_a_master_that_dies_fails_the_run_and_its_jobs_are_still_deleted(cluster: FakeCluster, tmp_path: Path
                                                                         ) -> None:
    cluster.configure(outputs(), results_with_exit_code(tmp_path, 0), master_fails=True)
    with pytest.raises(ClusterError, match=r"ended \(Failed\) before its results were written"):
        run_in_cluster(options(tmp_path))
    assert commands(cluster)[-1][:2] == ["delete", "job"]
    assert not any(c[0] == "cp" for c in commands(cluster))


def test_one_run_at_a_time(cluster: FakeCluster, tmp_path: Path) -> None:
    cluster.configure(outputs(), results_with_exit_code(tmp_path, 0), active_jobs=["loadtest-load-1-master"])
    with pytest.raises(ClusterError, match="already going on in the cluster"):
        run_in_cluster(options(tmp_path))
    assert not any(c[:2] == ["create", "job"] for c in commands(cluster))


@pytest.mark.parametrize(("stack", "problem"), [
    ({"kubeconfig": {}}, "stack dev has no load generator: set cnop:loadtest.enabled"),
    (outputs(profiles=("load",)), "stack dev cannot run profile 'smoke': its cnop:loadtest.profiles are load"),
])
def test_a_stack_without_the_profile_is_refused_before_any_kubectl(
        cluster: FakeCluster, tmp_path: Path, stack: dict[str, Any], problem: str,
        caplog: pytest.LogCaptureFixture) -> None:
    cluster.configure(stack, results_with_exit_code(tmp_path, 0))
    assert cli.main(["run", "--profile", "smoke", "--target", "dev", "--reports-dir", str(tmp_path / "r")]) == 2
    assert problem in caplog.text
    assert cluster.calls() == []


def test_a_cluster_run_targets_the_stack_s_own_gateway_only(cluster: FakeCluster, tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    cluster.configure(outputs(), results_with_exit_code(tmp_path, 0))
    code = cli.main(["run", "--profile", "smoke", "--target", "dev", "--host", "http://10.40.3.7:8080",
                     "--reports-dir", str(tmp_path / "r")])
    assert code == 2 and "refusing HOST='http://10.40.3.7:8080'" in caplog.text
    assert cluster.calls() == []


@pytest.mark.parametrize("host", ["http://10.0.0.5:8080", "https://api.dev.cnop.example.com", "localhost:8080",
                                  "http://127.0.0.2:8080"])
def test_a_non_loopback_target_is_refused_without_allow_remote_target(
        host: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert cli.main(["run", "--profile", "smoke", "--host", host, "--reports-dir", str(tmp_path)]) == 2
    assert f"refusing HOST={host!r}" in caplog.text and "--allow-remote-target" in caplog.text
    assert not any(tmp_path.iterdir())  # nothing started, nothing written


@pytest.mark.parametrize(("host", "allowed"), [
    ("127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("https://api.dev.cnop.example.com/", "https://api.dev.cnop.example.com"),
    ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
])
def test_allow_remote_target_lets_any_http_gateway_through(host: str, allowed: str) -> None:
    assert allowed_url(host, allow_remote=True) == allowed


@pytest.mark.parametrize(("host", "problem"), [
    ("ftp://files.example.com", "is not an http(s) URL without credentials"),
    ("https://user:secret@api.example.com", "is not an http(s) URL without credentials"),
    ("https://api.example.com/api/v1", "must be the gateway's base URL, without a path"),
])
def test_even_allowed_a_remote_target_is_a_plain_base_url(host: str, problem: str) -> None:
    with pytest.raises(TargetError, match=re.escape(problem)):
        allowed_url(host, allow_remote=True)


def test_the_stack_s_own_gateway_needs_no_flag() -> None:
    own = "http://gateway.cnop.svc.cluster.local:8080"
    assert allowed_url(f"{own}/", own=own) == own
    with pytest.raises(TargetError):
        allowed_url("http://gateway.other.svc.cluster.local:8080", own=own)


def test_the_csv_s_aggregated_row_is_read_from_locust_s_own_file() -> None:
    assert aggregated_requests(RESULTS / "locust_stats.csv") == 667
    assert aggregated_requests(RESULTS / "missing.csv") is None


def test_the_chaos_checks_read_the_status_tally() -> None:
    served = {"statuses": [{"method": "GET", "name": "sentinel: revoked token", "status": 401, "count": 9},
                           {"method": "GET", "name": "sentinel: revoked token", "status": 200, "count": 1},
                           {"method": "GET", "name": "/api/v1/balance", "status": 502, "count": 2},
                           {"method": "GET", "name": "/api/v1/balance", "status": 503, "count": 5}]}
    assert [(c.name, c.passed, c.detail) for c in chaos_checks(served)] == [
        ("no 5xx but 503, at any time", False, "2 answers 500-599 but 503"),
        ("a revoked token is never served", False, "asked 10 times, served 1")]


def test_a_workflow_is_the_schedule_s_template_under_the_run_s_name() -> None:
    workflow = workflow_from(SCHEDULE, "loadtest-chaos-20261202010203")
    assert workflow["kind"] == "Workflow" and workflow["spec"] is SCHEDULE["spec"]["workflow"]
    assert "annotations" not in workflow["metadata"]  # the pause is the Schedule's, not the run's


def test_the_worker_count_of_a_cluster_run_is_the_stack_s(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert cli.main(["run", "--profile", "smoke", "--target", "dev", "--workers", "4",
                     "--reports-dir", str(tmp_path)]) == 2
    assert "cnop:loadtest.workers" in caplog.text
