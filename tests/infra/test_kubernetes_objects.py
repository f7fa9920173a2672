"""Every Kubernetes object a stack would create is valid for the targeted Kubernetes version (strict:
no unknown fields), and the workloads are wired the way the apps' settings expect."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from apps.auth.settings import AuthSettings
from apps.common.services import DEFAULT_PORTS
from apps.gateway.settings import GatewaySettings
from apps.insights.settings import InsightsSettings
from apps.inventory.settings import InventorySettings
from apps.order.settings import OrderSettings
from apps.user.settings import UserSettings
from ops.offline import OfflineRun, PlannedResource

pytestmark = pytest.mark.unit

CUSTOM_RESOURCES = {"monitoring.coreos.com/v1": {"PrometheusRule", "ServiceMonitor"}}
SETTINGS = {"auth": AuthSettings, "user": UserSettings, "inventory": InventorySettings, "order": OrderSettings,
            "insights": InsightsSettings, "gateway": GatewaySettings}


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


def test_each_app_gets_the_settings_its_code_requires(run: OfflineRun) -> None:
    """The Deployment's environment, secrets filled in, loads the app's real settings class."""
    apps = containers(run)
    assert set(apps) == set(DEFAULT_PORTS)
    for app, container in apps.items():
        env = {e["name"]: e.get("value", f"from-secret-{e['name']}") for e in container["env"]}
        if "AUTH_JWT_PRIVATE_KEY" in env:
            env["AUTH_JWT_PRIVATE_KEY"] = None  # a Secret holds it; outside localstack the check below needs it
        settings = SETTINGS[app].model_validate(_by_alias(SETTINGS[app], env))
        assert settings.environment == run.config["cnop:environment"]
        assert container["command"] == ["python", "-m", "apps.serve", app, "--host", "0.0.0.0",
                                        "--port", str(DEFAULT_PORTS[app])]
        assert container["ports"][0]["containerPort"] == DEFAULT_PORTS[app]
    assert "AUTH_JWT_PRIVATE_KEY" in {e["name"] for e in apps["auth"]["env"]}
    assert all("AUTH_JWT_PRIVATE_KEY" not in {e["name"] for e in c["env"]} for a, c in apps.items() if a != "auth")
    gateway_env = {e["name"]: e.get("value") for e in apps["gateway"]["env"]}
    for upstream in set(DEFAULT_PORTS) - {"gateway"}:
        assert gateway_env[f"GATEWAY_{upstream.upper()}_URL"].endswith(f":{DEFAULT_PORTS[upstream]}")


def _by_alias(settings_class: Any, env: dict[str, Any]) -> dict[str, Any]:
    """Environment names to field names, as pydantic-settings would map them (validation alias or prefix)."""
    prefix = settings_class.model_config.get("env_prefix", "")
    values: dict[str, Any] = {}
    for name, field in settings_class.model_fields.items():
        key = field.validation_alias if isinstance(field.validation_alias, str) else f"{prefix}{name}".upper()
        if key in env and env[key] is not None:
            values[name] = env[key]
        elif key == "AUTH_JWT_PRIVATE_KEY" and key in env:
            values[name] = "-----BEGIN PRIVATE KEY-----\\n(from the Secret)\\n-----END PRIVATE KEY-----"
    return values


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
    assert set(DEFAULT_PORTS) <= apps_with_policy
