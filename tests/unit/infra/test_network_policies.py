"""The apps' namespace denies every connection in and out but the paths the platform needs, evaluated here with
the NetworkPolicy rules of Kubernetes over the objects each stack would create."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

import pytest

from apps.common.services import SERVICES, service, upstreams
from ops.offline import OfflineRun

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
DYNAMODB = "52.94.0.10"  # a public AWS address: what DynamoDB's endpoint resolves to
POD_IDENTITY_AGENT = "169.254.170.23"


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: dict[str, str] = field(default_factory=dict)
    ip: str = "10.99.0.1"


def app(name: str) -> Pod:
    return Pod("cnop", {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "cnop",
                        "app.kubernetes.io/component": "api"})


PROMETHEUS = Pod("monitoring", {"app.kubernetes.io/name": "prometheus"})
DNS = Pod("kube-system", {"k8s-app": "kube-dns"})
LOCAL_REDIS = Pod("cnop", {"app.kubernetes.io/name": "cache", "app.kubernetes.io/component": "cache"})


def policies(run: OfflineRun) -> list[dict[str, Any]]:
    return [p.inputs for p in run.of_type(NETWORK_POLICY)]


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def _peer_matches(peer: dict[str, Any], own_namespace: str, other: Pod | str) -> bool:
    if isinstance(other, str):
        block = peer.get("ipBlock")
        if block is None:
            return False
        address = ipaddress.ip_address(other)
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(e) for e in block.get("except", []))
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer:
        namespace_ok = _selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": other.namespace})
    else:
        namespace_ok = other.namespace == own_namespace
    return namespace_ok and _selects(peer.get("podSelector", {}), other.labels)


def _allowed(run: OfflineRun, pod: Pod, direction: str, other: Pod | str, port: int, protocol: str) -> bool:
    kind, rules_key, peers_key = {"out": ("Egress", "egress", "to"), "in": ("Ingress", "ingress", "from")}[direction]
    selecting = [p for p in policies(run) if p["metadata"]["namespace"] == pod.namespace
                 and kind in p["spec"]["policyTypes"] and _selects(p["spec"]["podSelector"], pod.labels)]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get(rules_key) or []:
            ports = rule.get("ports")
            port_ok = ports is None or any(p.get("port") == port and p.get("protocol", "TCP") == protocol
                                           for p in ports)
            peers = rule.get(peers_key)
            peer_ok = peers is None or any(_peer_matches(peer, pod.namespace, other) for peer in peers)
            if port_ok and peer_ok:
                return True
    return False


def connects(run: OfflineRun, source: Pod | str, target: Pod | str, port: int, protocol: str = "TCP") -> bool:
    """Allowed out of the source (when it is a pod) and into the target (when it is a pod)."""
    out_ok = isinstance(source, str) or _allowed(run, source, "out", target, port, protocol)
    in_ok = isinstance(target, str) or _allowed(run, target, "in", source, port, protocol)
    return out_ok and in_ok


def redis_target(run: OfflineRun) -> Pod | str:
    return LOCAL_REDIS if run.stack == "localstack" else _in_subnet(run, "-private-")


def _in_subnet(run: OfflineRun, kind: str) -> str:
    subnet = next(s for s in run.of_type("aws:ec2/subnet:Subnet") if kind in s.name)
    return str(ipaddress.ip_network(subnet.inputs["cidrBlock"])[17])


def test_the_namespace_denies_everything_by_default(run: OfflineRun) -> None:
    by_name = {p["metadata"]["name"]: p["spec"] for p in policies(run)}
    assert by_name["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    stranger = Pod("cnop", {"app.kubernetes.io/name": "debug-shell"})
    assert not connects(run, stranger, app("order"), service("order").port)
    assert not connects(run, stranger, DYNAMODB, 443)
    assert connects(run, stranger, DNS, 53, "UDP")  # DNS stays open to every pod of the namespace


def test_only_the_gateway_reaches_the_upstreams(run: OfflineRun) -> None:
    for upstream in upstreams():
        assert connects(run, app("gateway"), app(upstream.name), upstream.port), upstream.name
        for other in SERVICES:
            if other.name not in ("gateway", upstream.name):
                assert not connects(run, app(other.name), app(upstream.name), upstream.port), (other, upstream)
        assert not connects(run, app(upstream.name), app("gateway"), service("gateway").port)


def test_prometheus_scrapes_every_app(run: OfflineRun) -> None:
    assert all(connects(run, PROMETHEUS, app(entry.name), entry.port) for entry in SERVICES)


def test_every_app_reaches_redis_and_only_apps_with_tables_reach_aws(run: OfflineRun) -> None:
    redis = redis_target(run)
    for entry in SERVICES:
        assert connects(run, app(entry.name), redis, 6379), entry.name
        if run.stack == "localstack":
            assert connects(run, app(entry.name), "172.18.0.5", 4566) == bool(entry.tables), entry.name
        else:
            assert connects(run, app(entry.name), DYNAMODB, 443) == bool(entry.tables or entry.calls_gemini)
            assert connects(run, app(entry.name), POD_IDENTITY_AGENT, 80) == bool(entry.tables)
        assert not connects(run, app(entry.name), "10.1.2.3", 443)  # nothing inside the network but those
    if run.stack == "localstack":
        assert not connects(run, Pod("cnop", {"app.kubernetes.io/name": "x"}), LOCAL_REDIS, 6379)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_on_eks_the_gateway_admits_the_load_balancer_only(stack: str, runs: dict[str, OfflineRun]) -> None:
    run = runs[stack]
    port = service("gateway").port
    assert connects(run, _in_subnet(run, "-public-"), app("gateway"), port)
    assert not connects(run, "198.51.100.7", app("gateway"), port)  # the internet itself, bypassing the ALB
    assert not connects(run, _in_subnet(run, "-private-"), app("gateway"), port)


def test_on_kind_the_gateway_admits_anyone_through_its_node_port(runs: dict[str, OfflineRun]) -> None:
    assert connects(runs["localstack"], "172.18.0.1", app("gateway"), service("gateway").port)
