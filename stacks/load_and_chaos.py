"""The load generator and the chaos experiments of a stack, where its config enables them: the Locust Jobs'
commands from ``ops.loadtest`` (``LocustJob``, the one place Locust's command line is written; the pod
supervisor of ``ops/loadtest/pod.py``), the workflow from ``loadtests/chaos.toml``, and the stack outputs
``make loadtest TARGET=<stack>`` reads."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pulumi
from cnop_platform.appservice import AppService
from cnop_platform.chaos import Chaos, ChaosArgs
from cnop_platform.load_generator import LoadGenerator, LoadGeneratorArgs, LoadProfileJobs

from apps.common.services import public_entry
from ops.chaos.scenarios import load_scenarios
from ops.loadtest import pod
from ops.loadtest.locust_process import LocustJob
from ops.loadtest.profiles import Profile, load_config
from stacks.chaos_workflow import InCluster, Outside, Targets, build_workflow
from stacks.config import StackConfig

IMAGE_ROOT = PurePosixPath("/app")
"""Where the load image has the repository's files (the Dockerfile's WORKDIR)."""
RESULTS_DIR = "/reports"
MASTER_SERVICE = "loadtest-master"
HOLD_S = 900
"""How long a master keeps its results for the runner once Locust has ended."""
WORKERS_WAIT_S = 120
"""How long a master waits for its workers to connect (their pods may be pulling the image)."""
CHAOS_LEAD_S = 60
"""The chaos workload runs this much longer than the workflow: the runner starts the workflow once the
workers are ready, a little after the load began."""


def _job(name: str, profile: Profile, host: str, workers: int) -> LocustJob:
    return LocustJob(name, profile, Path(IMAGE_ROOT / "loadtests" / "profiles.toml"), host, Path(RESULTS_DIR),
                     workers, python="python", locustfiles_dir=Path(IMAGE_ROOT / "loadtests"))


def _supervised(role: str, command: list[str]) -> list[str]:
    options = ["--results", RESULTS_DIR, "--hold-s", str(HOLD_S)] if role == "master" else []
    return ["python", "-m", "ops.loadtest.pod", role, *options, "--probe-port", str(pod.PROBE_PORT), "--", *command]


def profile_jobs(name: str, profile: Profile, gateway_url: pulumi.Input[str], workers: int) -> LoadProfileJobs:
    """The master's and a worker's commands for one profile, and how long its master may run."""
    job = _job(name, profile, "", workers)
    master = pulumi.Output.from_input(gateway_url).apply(lambda url: _supervised("master", _job(
        name, profile, url, workers).main_command(pod.MASTER_PORT, bind_host="0.0.0.0",
                                                   workers_wait_s=WORKERS_WAIT_S)))
    worker = _supervised("worker", job.worker_command(None, pod.MASTER_PORT, master_host=MASTER_SERVICE))
    return LoadProfileJobs(name=name, master_command=master, worker_command=worker,
                           deadline_s=int(job.deadline_s + WORKERS_WAIT_S + HOLD_S))


def deploy_load_and_chaos(config: StackConfig, *, namespace: pulumi.Input[str], apps: Mapping[str, AppService],
                          load_image: pulumi.Output[str] | None, redis: InCluster | Outside,
                          opts: pulumi.ResourceOptions) -> dict[str, Any]:
    """The components the config enables; returns their stack outputs (none when neither is)."""
    outputs: dict[str, Any] = {}
    workflow = None
    if config.chaos.enabled:
        targets = Targets(namespace=namespace, apps={name: app.pod_labels for name, app in apps.items()},
                          redis=redis, aws=dynamodb_place(config))
        workflow = build_workflow(load_scenarios(), config.chaos.scenarios, targets)
        chaos = Chaos("chaos", ChaosArgs(target_namespace=namespace, workflow=workflow.spec,
                                         schedule=config.chaos.schedule, chart_version=config.chaos.chart_version),
                      opts=opts)
        outputs["chaos"] = {
            "namespace": namespace, "schedule": chaos.schedule_name, "recurring": config.chaos.schedule is not None,
            "scenarios": workflow.scenarios, "seconds": workflow.seconds,
            "notInCluster": [{"scenario": n.scenario, "fault": n.fault, "reason": n.reason}
                             for n in workflow.not_in_cluster]}
    if config.loadtest.enabled:
        outputs["loadtest"] = _load_generator(config, namespace, apps[public_entry().name], load_image,
                                              workflow.seconds if workflow else None, opts)
    return outputs


def _load_generator(config: StackConfig, namespace: pulumi.Input[str], gateway: AppService,
                    image: pulumi.Output[str] | None, chaos_seconds: float | None,
                    opts: pulumi.ResourceOptions) -> dict[str, Any]:
    if image is None:
        raise ValueError("the load generator needs the load image (Images with load_image)")
    section = config.loadtest
    profiles = load_config().profiles
    jobs = []
    for name in section.profiles:
        profile = profiles[name]
        if name == load_scenarios().defaults.workload and chaos_seconds is not None:
            profile = profile.model_copy(update={"run_time_s": chaos_seconds + CHAOS_LEAD_S})
        jobs.append(profile_jobs(name, profile, gateway.url, section.workers))
    allowed_host = gateway.url.apply(lambda url: urlsplit(url).hostname or "")
    generator = LoadGenerator("loadtest", LoadGeneratorArgs(
        namespace=namespace, image=image, profiles=jobs, gateway_labels=gateway.pod_labels,
        gateway_port=public_entry().port, allowed_host=allowed_host, master_port=pod.MASTER_PORT,
        probe_port=pod.PROBE_PORT, results_dir=RESULTS_DIR, master_service=MASTER_SERVICE,
        workers=section.workers, master_cpu=section.master_cpu, master_memory=section.master_memory,
        worker_cpu=section.worker_cpu, worker_memory=section.worker_memory), opts=opts)
    return {"namespace": namespace, "targetUrl": gateway.url, "workers": section.workers,
            "resultsDir": RESULTS_DIR, "masterService": generator.master_service,
            "profiles": {job.name: {**generator.cronjobs[job.name], "deadlineSeconds": job.deadline_s}
                         for job in jobs}}


def dynamodb_place(config: StackConfig) -> Outside:
    """DynamoDB as the apps reach it: the region's endpoint, or LocalStack where the stack names one."""
    endpoint = config.apps.aws_endpoint_in_cluster
    if endpoint:
        return Outside([urlsplit(endpoint).hostname or endpoint], "LocalStack's DynamoDB")
    return Outside([f"dynamodb.{config.region}.amazonaws.com"], "DynamoDB")
