"""The workloads are wired the way the apps' settings expect, and only known custom resources are used.
(Every object's strict validation for the targeted Kubernetes version runs on the rendered files:
tests/unit/infra/test_scan.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from apps.common.services import SERVICES, names, service, upstreams
from apps.gateway.settings import GatewaySettings
from ops.offline import OfflineRun, PlannedResource

CUSTOM_RESOURCES = {"monitoring.coreos.com/v1": {"PrometheusRule", "ServiceMonitor"},
                    "karpenter.sh/v1": {"NodePool"}, "karpenter.k8s.aws/v1": {"EC2NodeClass"}}


def kubernetes_objects(run: OfflineRun) -> list[PlannedResource]:
    return [r for r in run.resources if r.type.startswith("kubernetes:") and not r.type.startswith(
        "kubernetes:helm.sh/")]


def manifest(resource: PlannedResource) -> dict[str, Any]:
    return {k: v for k, v in resource.secret_inputs.items() if not k.startswith("__")}


def test_custom_resources_are_only_the_monitoring_stacks_and_karpenters(run: OfflineRun) -> None:
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
    """Every app's policy admits its port only from the gateway (or, for the gateway, the load balancer's subnets
    on EKS, anyone on Kind) and from the monitoring namespace; only the gateway's Service is not ClusterIP, and
    only on Kind (EKS reaches it through the Ingress)."""
    eks = run.config["cnop:cluster"].count('"eks"') == 1
    public_cidrs = {s.inputs["cidrBlock"] for s in run.of_type("aws:ec2/subnet:Subnet") if "-public-" in s.name}
    monitoring = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    app_policies = {manifest(p)["metadata"]["name"]: manifest(p)["spec"]
                    for p in run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
                    if manifest(p)["metadata"]["name"] in names()}
    assert set(app_policies) == set(names())
    for app, spec in app_policies.items():
        (rule,) = spec["ingress"]
        assert rule["ports"] == [{"protocol": "TCP", "port": service(app).port}]
        if app == "gateway" and not eks:
            assert "from" not in rule
        elif app == "gateway":
            assert rule["from"] == [*({"ipBlock": {"cidr": c}} for c in sorted(public_cidrs)), monitoring]
        else:
            assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}},
                                    monitoring], app
    services = {manifest(s)["metadata"]["name"]: manifest(s)["spec"].get("type", "ClusterIP")
                for s in run.of_type("kubernetes:core/v1:Service")}
    exposed = {name for name, kind in services.items() if kind != "ClusterIP"}
    assert exposed == (set() if eks else {"gateway"})
