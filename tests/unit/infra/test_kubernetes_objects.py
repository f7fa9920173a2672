"""Every Kubernetes object a stack would create is valid for the targeted Kubernetes version (strict:
no unknown fields), and the workloads are wired the way the apps' settings expect."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from apps.common.services import SERVICES, names, service, upstreams
from apps.gateway.settings import GatewaySettings
from ops.offline import OfflineRun, PlannedResource

CUSTOM_RESOURCES = {"monitoring.coreos.com/v1": {"PrometheusRule", "ServiceMonitor"}}


def kubernetes_objects(run: OfflineRun) -> list[PlannedResource]:
    return [r for r in run.resources if r.type.startswith("kubernetes:") and not r.type.startswith(
        "kubernetes:helm.sh/")]


def manifest(resource: PlannedResource) -> dict[str, Any]:
    return {k: v for k, v in resource.secret_inputs.items() if not k.startswith("__")}


def test_every_object_passes_strict_validation_for_the_target_version(run: OfflineRun) -> None:
    version = run.config["cnop:kubernetesVersion"]
    checked = 0
    for resource in kubernetes_objects(run):
        body = manifest(resource)
        if body["kind"] in CUSTOM_RESOURCES.get(body["apiVersion"], set()):
            continue
        try:
            kubernetes_validate.validate(body, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{resource.name} ({body['kind']}): {error.message} at {list(error.path)}")
        checked += 1
    assert checked >= 6 * 6  # at least the six objects of each of the six apps


def test_custom_resources_are_only_the_monitoring_stacks(run: OfflineRun) -> None:
    for resource in kubernetes_objects(run):
        body = manifest(resource)
        if body["apiVersion"] in CUSTOM_RESOURCES:
            assert body["kind"] in CUSTOM_RESOURCES[body["apiVersion"]]
            assert resource.type == f"kubernetes:{body['apiVersion']}:{body['kind']}"
    rules = [manifest(r) for r in run.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")]
    for rule in rules:
        for group in rule["spec"]["groups"]:
            assert group["name"] and group["rules"]
            assert all(("alert" in r) != ("record" in r) and r["expr"] for r in group["rules"])


def containers(run: OfflineRun) -> dict[str, dict[str, Any]]:
    return {d.name.removesuffix("-deployment"): c for d in run.of_type("kubernetes:apps/v1:Deployment")
            for c in manifest(d)["spec"]["template"]["spec"]["containers"] if d.name.endswith("-deployment")}


SIGNING_KEY_FROM_THE_SECRET = "-----BEGIN PRIVATE KEY-----\n(from the Secret)\n-----END PRIVATE KEY-----"


def test_each_app_gets_the_settings_its_code_requires(run: OfflineRun, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Deployment's environment, secrets filled in, loads the service's real settings class from the
    environment, as the pod would."""
    apps = containers(run)
    assert set(apps) == set(names())
    for app, container in apps.items():
        entry = service(app)
        with monkeypatch.context() as pod:
            for variable in container["env"]:
                pod.setenv(variable["name"], variable.get("value", f"from-secret-{variable['name']}"))
            if entry.signs_tokens:
                pod.setenv("AUTH_JWT_PRIVATE_KEY", SIGNING_KEY_FROM_THE_SECRET)
            settings = entry.settings_class()()
        assert settings.environment == run.config["cnop:environment"]
        assert container["command"] == ["python", "-m", "apps.serve", app, "--host", "0.0.0.0",
                                        "--port", str(entry.port)]
        assert container["ports"][0]["containerPort"] == entry.port
        if entry.public:
            assert isinstance(settings, GatewaySettings)
            assert {name: url.rsplit(":", 1)[1] for name, url in settings.upstreams.items()} == {
                upstream.name: str(upstream.port) for upstream in upstreams()}
    signers = {app for app, container in apps.items()
               if "AUTH_JWT_PRIVATE_KEY" in {e["name"] for e in container["env"]}}
    assert signers == {entry.name for entry in SERVICES if entry.signs_tokens} == {"auth"}


def test_only_the_gateway_is_reachable_from_outside(run: OfflineRun) -> None:
    for policy in run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy"):
        spec = manifest(policy)["spec"]
        selected = spec["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for rule in spec["ingress"]:
            if selected == "gateway":
                assert "from" not in rule
            else:
                assert rule["from"], selected
                peers = [p.get("podSelector", {}).get("matchLabels", {}) for p in rule["from"]]
                namespaces = [p.get("namespaceSelector", {}).get("matchLabels", {}) for p in rule["from"]]
                assert all(p in ({}, {"app.kubernetes.io/name": "gateway"}, {"app.kubernetes.io/part-of": "cnop"})
                           for p in peers), selected
                assert all(n in ({}, {"kubernetes.io/metadata.name": "monitoring"}) for n in namespaces)
    services = {manifest(s)["metadata"]["name"]: manifest(s)["spec"].get("type", "ClusterIP")
                for s in run.of_type("kubernetes:core/v1:Service")}
    exposed = {name for name, kind in services.items() if kind != "ClusterIP"}
    assert exposed == {"gateway"}
    apps_with_policy = {manifest(p)["metadata"]["name"] for p in
                        run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")}
    assert set(names()) <= apps_with_policy
