"""The public edge: on EKS an HTTPS-only ALB (ACM certificate, HTTP redirected, IP targets, WAF on prod) made by
the AWS Load Balancer Controller, the gateway believing ``X-Forwarded-For`` from the ALB's subnets only; on Kind
plain HTTP on 127.0.0.1 through a NodePort."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cnop_platform.edge import MANAGED_RULE_GROUPS

from apps.common.services import public_entry
from apps.gateway.clients import ClientAddresses
from apps.gateway.settings import GatewaySettings
from ops.offline import OfflineRun, PlannedResource

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
EKS_STACKS = ["dev", "prod"]


def one(run: OfflineRun, type_token: str, name: str | None = None) -> PlannedResource:
    (found,) = [r for r in run.of_type(type_token) if name is None or r.name == name]
    return found


def gateway_env(run: OfflineRun) -> dict[str, str]:
    deployment = one(run, "kubernetes:apps/v1:Deployment", "gateway-deployment")
    (container,) = deployment.inputs["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value", "") for e in container["env"]}


def certificate_zone(run: OfflineRun) -> str:
    validation = one(run, "aws:route53/record:Record", "edge-certificate-validation").inputs
    assert validation["zoneId"] == json.loads(run.config["cnop:edge"])["hostedZoneId"]
    return str(validation["zoneId"])


def public_cidrs(run: OfflineRun) -> list[str]:
    return [s.inputs["cidrBlock"] for s in run.of_type("aws:ec2/subnet:Subnet") if "-public-" in s.name]


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_eks_serves_the_gateway_through_an_https_only_alb(stack: str, runs: dict[str, OfflineRun]) -> None:
    run = runs[stack]
    ingress = one(run, INGRESS).inputs
    annotations: dict[str, Any] = ingress["metadata"]["annotations"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert json.loads(annotations["alb.ingress.kubernetes.io/listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]
    assert annotations["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    assert annotations["alb.ingress.kubernetes.io/ssl-policy"].startswith("ELBSecurityPolicy-TLS13")
    assert annotations["alb.ingress.kubernetes.io/target-type"] == "ip"
    assert annotations["alb.ingress.kubernetes.io/healthcheck-path"] == public_entry().probe_path
    domain = json.loads(run.config["cnop:edge"])["domain"]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == domain
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "gateway", "port": {"name": "http"}}
    # The certificate is requested and validated in the zone; the name points at the ALB.
    certificate = one(run, "aws:acm/certificate:Certificate").inputs
    assert (certificate["domainName"], certificate["validationMethod"]) == (domain, "DNS")
    validated = one(run, "aws:acm/certificateValidation:CertificateValidation").inputs
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"] == validated["certificateArn"]
    record = one(run, "aws:route53/record:Record", "edge-record").inputs
    assert (record["name"], record["type"], record["zoneId"]) == (domain, "CNAME", certificate_zone(run))
    (target,) = record["records"]
    assert target.startswith("k8s-edge-ingress-") and target.endswith(".elb.amazonaws.com")  # the ALB's name
    assert run.outputs["gatewayUrl"] == f"https://{domain}"
    service = one(run, "kubernetes:core/v1:Service", "gateway-service").inputs
    assert service["spec"]["type"] == "ClusterIP"


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_the_load_balancer_controller_runs_with_its_own_pod_identity(stack: str,
                                                                     runs: dict[str, OfflineRun]) -> None:
    run = runs[stack]
    release = one(run, "kubernetes:helm.sh/v3:Release", "load-balancers-release").inputs
    assert (release["chart"], release["namespace"]) == ("aws-load-balancer-controller", "kube-system")
    assert release["values"]["clusterName"] == f"cnop-{stack}"
    association = one(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "load-balancers-identity")
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (
        "kube-system", release["values"]["serviceAccount"]["name"])
    policy = json.loads(one(run, "aws:iam/rolePolicy:RolePolicy", "load-balancers-policy").inputs["policy"])
    deletes = [s for s in policy["Statement"] if "elasticloadbalancing:DeleteLoadBalancer" in s["Action"]]
    assert deletes and all("Condition" in s for s in deletes)  # only what carries its cluster tag


def test_prod_puts_a_waf_of_managed_rule_groups_and_a_rate_limit_in_front(runs: dict[str, OfflineRun]) -> None:
    acl = one(runs["prod"], "aws:wafv2/webAcl:WebAcl")
    rules = {rule["name"]: rule for rule in acl.inputs["rules"]}
    assert set(rules) == {*MANAGED_RULE_GROUPS, "rate-per-client"}
    assert rules["rate-per-client"]["statement"]["rateBasedStatement"]["aggregateKeyType"] == "IP"
    assert acl.inputs["scope"] == "REGIONAL" and acl.inputs["defaultAction"] == {"allow": {}}
    annotations = one(runs["prod"], INGRESS).inputs["metadata"]["annotations"]
    assert f":wafv2:us-east-1:123456789012:regional/webacl/{acl.name}/" in annotations[
        "alb.ingress.kubernetes.io/wafv2-acl-arn"]
    assert not runs["dev"].of_type("aws:wafv2/webAcl:WebAcl")


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_the_gateway_believes_forwarded_for_from_the_alb_subnets_only(stack: str,
                                                                      runs: dict[str, OfflineRun]) -> None:
    env = gateway_env(runs[stack])
    with pytest.MonkeyPatch.context() as pod:
        for name, value in env.items():
            pod.setenv(name, value)
        trusted = GatewaySettings().trusted_proxies  # as the gateway's settings read its environment
    assert sorted(trusted) == sorted(public_cidrs(runs[stack]))  # resources register in any order
    addresses = ClientAddresses(trusted)
    alb_node = trusted[0].replace("0/20", "17")  # an ALB address in the first public subnet
    assert addresses.resolve(alb_node, "198.51.100.7") == "198.51.100.7"
    assert addresses.resolve(alb_node, "6.6.6.6, 198.51.100.7") == "198.51.100.7"  # a forged hop is not believed
    pod = "10.0.0.0/8"  # another pod in the cluster is no proxy
    assert addresses.resolve(pod.split("/")[0], "198.51.100.7") == "10.0.0.0"


def test_localstack_keeps_plain_http_on_loopback_without_an_edge(runs: dict[str, OfflineRun]) -> None:
    local = runs["localstack"]
    assert not local.of_type(INGRESS) and not local.of_type("aws:acm/certificate:Certificate")
    assert local.outputs["gatewayUrl"] == "http://127.0.0.1:30080"
    service = one(local, "kubernetes:core/v1:Service", "gateway-service").inputs["spec"]
    assert (service["type"], service["ports"][0]["nodePort"]) == ("NodePort", 30080)
    assert json.loads(gateway_env(local)["GATEWAY_TRUSTED_PROXIES"]) == []
