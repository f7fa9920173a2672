"""Load from the cluster and chaos in it, as rendered objects: the dev stack enables both (its config file),
the other stacks are run with them switched on where a test says so. Selectors are checked against the labels
the rendered Deployments really carry, the experiments against the Chaos Mesh schema subset of
``ops/schemas/``, every scenario of ``loadtests/chaos.toml`` against an experiment or a stated reason."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cnop_platform.chaos import ChaosArgs
from cnop_platform.load_generator import NEVER

from apps.common.services import SERVICES, public_entry
from ops import lock
from ops.chaos.scenarios import load_scenarios
from ops.custom_resources import chaos_mesh_schema_path, custom_resource_problems
from ops.loadtest import pod
from ops.loadtest.profiles import load_config
from ops.offline import OfflineRun, PlannedResource, run_offline
from ops.plan import render
from ops.render import manifest
from ops.scan import validate_manifests
from ops.servers import REPO
from platform_policy.rules import Resource, chaos_confined
from stacks.chaos_workflow import API_LABELS, InCluster, Outside, Targets, build_workflow, experiment
from tests.unit.infra.config_support import assert_refused_before_any_resource, section

CRONJOB = "kubernetes:batch/v1:CronJob"
SCHEDULE = "kubernetes:chaos-mesh.org/v1alpha1:Schedule"
ENABLED = {"cnop:loadtest": {"enabled": True, "profiles": ["smoke", "chaos"]}, "cnop:chaos": {"enabled": True}}


@pytest.fixture(scope="module")
def localstack_enabled() -> OfflineRun:
    return run_offline("localstack", ENABLED)


def objects(run: OfflineRun, type_token: str) -> dict[str, dict[str, Any]]:
    return {r.name: manifest(r) for r in run.of_type(type_token)}


def deployment_labels(run: OfflineRun) -> dict[str, dict[str, str]]:
    """Each Deployment's pod labels, as rendered: what selectors must match."""
    return {body["metadata"]["name"]: body["spec"]["template"]["metadata"]["labels"]
            for body in objects(run, "kubernetes:apps/v1:Deployment").values()}


def container(cronjob: dict[str, Any]) -> dict[str, Any]:
    (only,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return dict(only)


def after(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


# ---- load from the cluster -------------------------------------------------------------------------------------

def test_dev_has_a_master_and_workers_template_per_profile_that_never_fires(runs: dict[str, OfflineRun]) -> None:
    dev = runs["dev"]
    profiles = json.loads(dev.config["cnop:loadtest"])["profiles"]
    cronjobs = objects(dev, CRONJOB)
    assert sorted(cronjobs) == sorted(f"loadtest-{p}-{role}" for p in profiles for role in ("master", "workers"))
    for body in cronjobs.values():
        assert body["spec"]["suspend"] is True and body["spec"]["schedule"] == NEVER
        job = body["spec"]["jobTemplate"]["spec"]
        assert job["backoffLimit"] == 0 and job["template"]["spec"]["restartPolicy"] == "Never"
    assert dev.outputs["loadtest"]["profiles"]["load"] == {
        "master": "loadtest-load-master", "workers": "loadtest-load-workers",
        "deadlineSeconds": cronjobs["loadtest-load-master"]["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"]}


def test_the_master_runs_the_profile_headless_against_the_stack_s_gateway(runs: dict[str, OfflineRun]) -> None:
    dev = runs["dev"]
    gateway = f"http://gateway.cnop.svc.cluster.local:{public_entry().port}"
    workers = json.loads(dev.config["cnop:loadtest"])["workers"]
    load = load_config().profile("load")
    master = container(objects(dev, CRONJOB)["loadtest-load-master"])
    command = master["command"]
    supervisor, locust = command[:command.index("--")], command[command.index("--") + 1:]
    assert supervisor[:5] == ["python", "-m", "ops.loadtest.pod", "master", "--results"]
    assert after(locust, "--host") == dev.outputs["loadtest"]["targetUrl"] == gateway
    assert {"--headless", "--master"} <= set(locust)
    assert (after(locust, "-u"), after(locust, "-r"), after(locust, "-t")) == (
        str(load.users), str(load.spawn_rate), f"{load.run_time_s:g}s")
    assert after(locust, "--expect-workers") == str(workers)
    assert after(locust, "--cnop-profile") == "load"
    assert after(locust, "--cnop-summary").startswith(after(supervisor, "--results") + "/")
    assert {"name": "CNOP_LOADTEST_ALLOWED_HOST", "value": "gateway.cnop.svc.cluster.local"} in master["env"]
    mounts = {m["mountPath"] for m in master["volumeMounts"]}
    assert after(supervisor, "--results") in mounts
    ports = {p["name"]: p["containerPort"] for p in master["ports"]}
    assert ports == {"probes": pod.PROBE_PORT, "locust": pod.MASTER_PORT}
    assert master["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "probes"}
    stress = container(objects(dev, CRONJOB)["loadtest-stress-master"])["command"]
    assert after(stress, "-f").endswith("/app/loadtests/shape.py") and "-u" not in stress  # the stages' shape


def test_the_workers_find_the_master_by_its_headless_service(runs: dict[str, OfflineRun]) -> None:
    dev = runs["dev"]
    (service,) = [body for body in objects(dev, "kubernetes:core/v1:Service").values()
                  if body["metadata"]["name"] == dev.outputs["loadtest"]["masterService"]]
    assert service["spec"]["clusterIP"] == "None" and service["spec"]["publishNotReadyAddresses"] is True
    cronjobs = objects(dev, CRONJOB)
    worker = cronjobs["loadtest-load-workers"]
    command = container(worker)["command"]
    assert after(command, "--master-host") == service["metadata"]["name"]
    assert after(command, "--master-port") == str(service["spec"]["ports"][0]["port"]) == str(pod.MASTER_PORT)
    master_pods = cronjobs["loadtest-load-master"]["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= master_pods.items()
    workers = json.loads(dev.config["cnop:loadtest"])["workers"]
    assert worker["spec"]["jobTemplate"]["spec"]["completions"] == workers
    assert worker["spec"]["jobTemplate"]["spec"]["parallelism"] == workers


def test_network_policies_open_master_workers_and_the_gateway_and_nothing_else(runs: dict[str, OfflineRun]) -> None:
    dev = runs["dev"]
    policies = {body["metadata"]["name"]: body["spec"] for body in
                objects(dev, "kubernetes:networking.k8s.io/v1:NetworkPolicy").values()
                if body["metadata"]["name"].startswith("loadtest-")}
    cronjobs = objects(dev, CRONJOB)
    pods = {role: cronjobs[f"loadtest-load-{role}"]["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
            for role in ("master", "workers")}
    gateway = deployment_labels(dev)["gateway"]

    def selects(spec_selector: dict[str, Any], labels: dict[str, str]) -> bool:
        return spec_selector["matchLabels"].items() <= labels.items()

    master, workers, to_gateway = policies["loadtest-master"], policies["loadtest-workers"], \
        policies["loadtest-to-gateway"]
    assert selects(master["podSelector"], pods["master"]) and not selects(master["podSelector"], pods["workers"])
    assert master["egress"] == [] and len(master["ingress"]) == 1
    assert selects(master["ingress"][0]["from"][0]["podSelector"], pods["workers"])
    assert master["ingress"][0]["ports"] == [{"protocol": "TCP", "port": pod.MASTER_PORT}]
    assert selects(workers["podSelector"], pods["workers"]) and workers["ingress"] == []
    (to_master, to_gw) = workers["egress"]
    assert selects(to_master["to"][0]["podSelector"], pods["master"])
    assert selects(to_gw["to"][0]["podSelector"], gateway)
    assert to_gw["ports"] == [{"protocol": "TCP", "port": public_entry().port}]
    assert selects(to_gateway["podSelector"], gateway) and to_gateway["policyTypes"] == ["Ingress"]
    assert selects(to_gateway["ingress"][0]["from"][0]["podSelector"], pods["workers"])
    others = [name for name, labels in deployment_labels(dev).items() if name != "gateway"]
    assert not any(selects(to_gw["to"][0]["podSelector"], deployment_labels(dev)[name]) for name in others)


def test_the_load_image_is_built_and_pinned_beside_the_apps_image(runs: dict[str, OfflineRun],
                                                                  localstack_enabled: OfflineRun) -> None:
    dev = runs["dev"]
    images = {image.inputs["target"]: image.inputs for image in dev.of_type("docker-build:index:Image")}
    assert images["loadtest"]["tags"] == [images["apps"]["tags"][0] + "-loadtest"]
    image = container(objects(dev, CRONJOB)["loadtest-load-master"])["image"]
    assert "@sha256:" in image and image != dev.outputs["image"]
    kind_image = container(objects(localstack_enabled, CRONJOB)["loadtest-smoke-master"])["image"]
    assert kind_image == "cnop-apps:0.1.0-loadtest"  # what `make kind-load` builds and loads


def dockerfile_stage(name: str) -> str:
    text = (REPO / "Dockerfile").read_text()
    return text.split(f" AS {name}\n", 1)[1].split("\nFROM ", 1)[0]


def locustfile_imports() -> set[str]:
    """The repository files Locust imports when it loads every locustfile a cluster profile names (the security
    profiles run locally only)."""
    cluster = [p for name, p in load_config().profiles.items() if not name.startswith("security-")]
    names = sorted({f for p in cluster for f in p.locustfiles} | {"shape.py"})
    script = ("import importlib, sys\n"
              f"for name in {[n.removesuffix('.py') for n in names]!r}: importlib.import_module('loadtests.' + name)\n"
              f"print('\\n'.join(sorted(m.__file__ for m in list(sys.modules.values()) if getattr(m, '__file__', "
              f"None) and m.__file__.startswith({str(REPO) + '/'!r}))))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO)
    found = {str(Path(line).relative_to(REPO)) for line in done.stdout.split()}
    return {path for path in found if not path.startswith((".venv/", ".cache/"))}  # installed, not ours


def test_the_load_image_ships_what_the_locustfiles_import_and_the_supervisor() -> None:
    stage = dockerfile_stage("loadtest")
    copied = [part for text in (dockerfile_stage("runtime"), stage)  # the load image is the apps image and more
              for line in re.findall(r"^COPY (?!--from)(.+?) \./\S*$", text.replace("\\\n", " "), re.MULTILINE)
              for part in line.split()]
    shipped = {path for path in locustfile_imports()
               if path.startswith("apps/") or any(path == c or path.startswith(c.rstrip("/") + "/") for c in copied)}
    assert shipped == locustfile_imports()
    assert "ops/loadtest/pod.py" in copied
    ignored = (REPO / ".dockerignore").read_text().split()
    for path in copied:
        assert f"!{path.rstrip('/')}/" in ignored or f"!{path}" in ignored, path
    assert "COPY --from=loadtest-build /opt/venv /opt/venv" in stage and "USER 10001:10001" in stage
    assert "pip install --no-compile --require-hashes -r loadtest.lock" in dockerfile_stage("loadtest-build")


def test_the_load_lock_is_the_runtime_lock_and_locust_with_hashes() -> None:
    runtime = lock.pins((lock.LOCKS / "runtime.lock").read_text())
    load = lock.pins((lock.LOCKS / "loadtest.lock").read_text())
    assert lock.stale("loadtest.lock", lock.LOAD_IMAGE_EXTRAS) == {}
    assert {name: load.get(name) for name in runtime} == runtime  # the apps' code runs on the apps' versions
    assert load["locust"] == lock.declared(("locust",))["locust"]
    assert "loadtest.lock" in lock.targets()
    assert all("--hash=sha256:" in block for block in (lock.LOCKS / "loadtest.lock").read_text().split("\n\n"))


# ---- the config ----------------------------------------------------------------------------------------------

REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("dev", section("dev", "cnop:loadtest", profiles=["security-ratelimit"]),
     "cnop:loadtest.profiles[0]: 'security-ratelimit' needs the security run's own gateways: `make security` runs "
     "it locally"),
    ("dev", section("dev", "cnop:loadtest", profiles=["lod"]),
     f"cnop:loadtest.profiles[0]: 'lod' is not a profile of loadtests/profiles.toml; they are "
     f"{', '.join(load_config().profiles)}"),
    ("dev", section("dev", "cnop:loadtest", workers=0), "cnop:loadtest.workers: Input should be greater than 0"),
    ("dev", section("dev", "cnop:loadtest", profiles=[]),
     "cnop:loadtest.profiles: name the profiles the cluster can run"),
    ("dev", section("dev", "cnop:chaos", scenarios=["redis-kil"]),
     f"cnop:chaos.scenarios[0]: 'redis-kil' is not a scenario of loadtests/chaos.toml; they are "
     f"{', '.join(load_scenarios().scenarios)}"),
    ("dev", section("dev", "cnop:chaos", schedule="every night"),
     "cnop:chaos.schedule: 'every night' is not a five-field cron such as 0 3 * * 1-5"),
    ("dev", section("dev", "cnop:loadtest", profiles=["load"]),
     "cnop:chaos.schedule: without a schedule a run starts with `make loadtest PROFILE=chaos TARGET=<stack>`: "
     "enable loadtest with the chaos profile, or set a schedule"),
    ("prod", {"cnop:chaos": {"enabled": True, "schedule": "0 3 * * 1-5"}},
     "cnop:chaos.enabled: faults in production need chaos.acknowledgeProduction: true"),
    ("localstack", {"cnop:images": {"repository": "cnop-apps", "tag": "0.1.0", "digest": f"sha256:{'a' * 64}"},
                    "cnop:loadtest": {"enabled": True}},
     "cnop:loadtest.imageDigest: images.digest pins the apps image: pin the load image too"),
]


@pytest.mark.parametrize(("stack", "overrides", "problem"), REFUSALS, ids=[line for _, _, line in REFUSALS])
def test_a_bad_load_or_chaos_value_is_one_line_naming_the_key(stack: str, overrides: dict[str, Any],
                                                              problem: str) -> None:
    assert_refused_before_any_resource(stack, overrides, problem)


def test_prod_takes_chaos_only_when_acknowledged() -> None:
    acknowledged = {"cnop:chaos": {"enabled": True, "schedule": "0 3 * * 1-5", "acknowledgeProduction": True}}
    prod = run_offline("prod", acknowledged)
    (schedule,) = objects(prod, SCHEDULE).values()
    assert schedule["spec"]["schedule"] == "0 3 * * 1-5"
    assert schedule["metadata"].get("annotations") in (None, {})  # not paused: it runs by itself
    assert "loadtest" not in prod.outputs and prod.outputs["chaos"]["recurring"] is True


# ---- chaos --------------------------------------------------------------------------------------------------

EKS_TARGETS = Targets("cnop", {s.name: {"app.kubernetes.io/name": s.name} for s in SERVICES},
                      Outside(["master.cache.example"], "ElastiCache"), Outside(["dynamodb.us-east-1.amazonaws.com"],
                                                                                "DynamoDB"))
KIND_TARGETS = Targets("cnop", EKS_TARGETS.apps, InCluster({"app.kubernetes.io/name": "cache"}),
                       Outside(["localstack"], "LocalStack's DynamoDB"))
EXPECTED: dict[tuple[str, str, str], str] = {
    # (fault kind, target: app, redis or aws, where Redis runs) -> the experiment, or "-" for a stated reason
    ("kill", "app", "eks"): "PodChaos pod-kill", ("kill", "app", "kind"): "PodChaos pod-kill",
    ("kill", "redis", "eks"): "NetworkChaos partition", ("kill", "redis", "kind"): "PodChaos pod-kill",
    ("lose", "redis", "eks"): "-", ("lose", "redis", "kind"): "PodChaos pod-kill",
    ("lose", "aws", "eks"): "-", ("lose", "aws", "kind"): "-",
    ("pause", "redis", "eks"): "NetworkChaos partition", ("pause", "redis", "kind"): "NetworkChaos partition",
    ("pause", "aws", "eks"): "NetworkChaos partition", ("pause", "aws", "kind"): "NetworkChaos partition",
    ("latency", "redis", "eks"): "NetworkChaos delay", ("latency", "redis", "kind"): "NetworkChaos delay",
}


def faults() -> Iterator[tuple[str, int]]:
    for name, scenario in load_scenarios().scenarios.items():
        for index in range(len(scenario.faults)):
            yield name, index


@pytest.mark.parametrize("where", ["eks", "kind"])
@pytest.mark.parametrize(("scenario", "index"), list(faults()))
def test_every_fault_of_chaos_toml_is_an_experiment_or_a_stated_reason(scenario: str, index: int,
                                                                       where: str) -> None:
    fault = load_scenarios().scenario(scenario).faults[index]
    kind = fault.target if fault.target in ("redis", "aws") else "app"
    node = experiment(fault, EKS_TARGETS if where == "eks" else KIND_TARGETS)
    if isinstance(node, str):
        assert EXPECTED[fault.kind, kind, where] == "-"
        assert "outside the cluster" in node and "docs/chaos.md" in node
        return
    spec = node.get("podChaos") or node["networkChaos"]
    assert f"{node['templateType']} {spec['action']}" == EXPECTED[fault.kind, kind, where]
    assert spec["selector"]["namespaces"] == ["cnop"] and spec["mode"] == "all"
    if fault.kind == "latency":
        assert spec["delay"]["latency"] == f"{fault.delay_ms}ms"
    if node["templateType"] == "NetworkChaos":
        clients = EKS_TARGETS.apps["gateway"] if kind == "app" else API_LABELS
        assert spec["selector"]["labelSelectors"] == clients and spec["direction"] == "to"


def test_what_the_cluster_cannot_have_is_said_in_docs_chaos_md() -> None:
    docs = (REPO / "docs" / "chaos.md").read_text()
    cluster = docs.split("## In the cluster", 1)[1]
    for targets in (EKS_TARGETS, KIND_TARGETS):
        workflow = build_workflow(load_scenarios(), [], targets)
        assert workflow.not_in_cluster
        for entry in workflow.not_in_cluster:
            assert f"`{entry.scenario}`" in cluster, entry


def test_the_workflow_keeps_each_scenario_s_timeline() -> None:
    chaos = load_scenarios()
    workflow = build_workflow(chaos, ["order-kill", "redis-latency"], EKS_TARGETS)
    templates = {t["name"]: t for t in workflow.spec["templates"]}
    assert templates[workflow.spec["entry"]]["children"] == ["order-kill", "redis-latency"]
    order = chaos.scenario("order-kill")
    assert templates["order-kill"]["children"] == ["order-kill-warm-up", "order-kill-faults", "order-kill-settle"]
    assert templates["order-kill-warm-up"]["deadline"] == f"{chaos.defaults.warm_up_s:g}s"
    assert templates["order-kill-0"]["deadline"] == f"{order.faults[0].duration_s:g}s"
    assert templates["order-kill-settle"]["deadline"] == f"{chaos.defaults.settle_s:g}s"
    assert workflow.seconds == chaos.run_time_s(order) + chaos.run_time_s(chaos.scenario("redis-latency"))


def schedules(run: OfflineRun) -> list[PlannedResource]:
    return run.of_type(SCHEDULE)


def reachable(workflow: dict[str, Any]) -> set[str]:
    templates = {t["name"]: t for t in workflow["templates"]}
    seen, todo = set(), [workflow["entry"]]
    while todo:
        name = todo.pop()
        assert name in templates, f"{name} is named but not a template"
        seen.add(name)
        todo += templates[name].get("children", [])
    return seen


@pytest.mark.parametrize("stack", ["dev", "localstack"])
def test_the_schedule_validates_and_selects_pods_the_stack_really_has(stack: str, runs: dict[str, OfflineRun],
                                                                      localstack_enabled: OfflineRun) -> None:
    run = runs["dev"] if stack == "dev" else localstack_enabled
    (resource,) = schedules(run)
    body = manifest(resource)
    assert custom_resource_problems(body) == []
    workflow = body["spec"]["workflow"]
    names = [t["name"] for t in workflow["templates"]]
    assert len(names) == len(set(names)) and reachable(workflow) == set(names)
    pods = list(deployment_labels(run).values())  # the apps', and on Kind the in-cluster Redis's
    for template in workflow["templates"]:
        spec = template.get("podChaos") or template.get("networkChaos")
        if spec is None:
            continue
        for selector in (spec["selector"], *([spec["target"]["selector"]] if "target" in spec else [])):
            assert selector["namespaces"] == ["cnop"]
            assert any(selector["labelSelectors"].items() <= labels.items() for labels in pods), selector
    assert body["metadata"]["annotations"] == {"experiment.chaos-mesh.org/pause": "true"}  # a run starts it


def test_the_schema_refuses_a_misspelt_or_unbounded_experiment(runs: dict[str, OfflineRun]) -> None:
    body = json.loads(json.dumps(manifest(schedules(runs["dev"])[0])))  # a copy: the run is shared
    fault = next(t for t in body["spec"]["workflow"]["templates"] if t["templateType"] == "PodChaos")
    fault["podChaos"]["acton"] = fault["podChaos"].pop("action")
    del fault["deadline"]
    problems = custom_resource_problems(body)
    assert any("'acton' was unexpected" in p for p in problems)
    assert any("'deadline' is a required property" in p for p in problems)
    assert any("'action' is a required property" in p for p in problems)
    assert chaos_mesh_schema_path().name == f"chaos-mesh-{ChaosArgs.chart_version}.schema.json"


@pytest.mark.parametrize(("change", "violation"), [
    (lambda spec: spec["selector"].update(namespaces=[]), "a chaos selector must name its namespaces"),
    (lambda spec: spec["selector"].update(namespaces=["kube-system"]), "chaos must not act in kube-system"),
])
def test_the_policy_keeps_chaos_in_named_namespaces(change: Any, violation: str, runs: dict[str, OfflineRun]) -> None:
    resource = schedules(runs["dev"])[0]
    props = json.loads(json.dumps(resource.inputs))
    fault = next(t for t in props["spec"]["workflow"]["templates"] if t["templateType"] == "PodChaos")
    assert chaos_confined(Resource(resource.type, props)) == []
    change(fault["podChaos"])
    del fault["deadline"]
    assert set(chaos_confined(Resource(resource.type, props))) == {violation, f"fault {fault['name']} has no deadline"}


def test_chaos_mesh_is_pinned_and_confined_to_the_apps_namespace(runs: dict[str, OfflineRun]) -> None:
    dev = runs["dev"]
    (release,) = [r.inputs for r in dev.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "chaos-mesh"]
    assert release["version"] == ChaosArgs.chart_version
    assert release["repositoryOpts"]["repo"] == "https://charts.chaos-mesh.org"
    values = release["values"]
    assert values["clusterScoped"] is False and values["controllerManager"]["targetNamespace"] == "cnop"
    assert values["images"]["tag"] == f"v{ChaosArgs.chart_version}" and values["dashboard"]["create"] is False
    (namespace,) = [body for body in objects(dev, "kubernetes:core/v1:Namespace").values()
                    if body["metadata"]["name"] == release["namespace"]]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"


def test_the_chaos_workload_runs_as_long_as_the_workflow(runs: dict[str, OfflineRun]) -> None:
    dev = runs["dev"]
    command = container(objects(dev, CRONJOB)["loadtest-chaos-master"])["command"]
    seconds = dev.outputs["chaos"]["seconds"]
    assert seconds > 0 and int(after(command, "-t").removesuffix("s")) > seconds


def test_the_dev_plan_shows_the_load_generator_and_chaos(runs: dict[str, OfflineRun]) -> None:
    text = render(runs["dev"], 0.0)
    assert "# cnop:platform:LoadGenerator  loadtest" in text and "# cnop:platform:Chaos  chaos" in text
    assert f"+ {SCHEDULE}  chaos-schedule" in text and f"+ {CRONJOB}  loadtest-load-master" in text


def test_make_scan_checks_chaos_objects_against_the_schema(runs: dict[str, OfflineRun], tmp_path: Path) -> None:
    body = json.loads(json.dumps(manifest(schedules(runs["dev"])[0])))
    good, bad = tmp_path / "schedule-good.yaml", tmp_path / "schedule-bad.yaml"
    good.write_text(json.dumps(body))
    body["spec"]["concurrencyPolicy"] = "Replace"  # a CronJob's word, not Chaos Mesh's
    bad.write_text(json.dumps(body))
    assert validate_manifests([good], "1.33") == []
    assert validate_manifests([bad], "1.33") == [
        "schedule-bad.yaml: 'Replace' is not one of ['Forbid', 'Allow'] at ['spec', 'concurrencyPolicy']"]
