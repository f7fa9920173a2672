"""The policy pack passes every stack's resources, copes with every shape a resource can have, and rejects
deliberately bad resources.

Resources go through the pack's real ``ResourceValidationPolicy`` objects, as the engine would call them.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs

from ops.offline import OfflineRun, PlannedResource
from platform_policy.pack import policies
from platform_policy.rules import CHECKS

TAGS = {"Project": "cnop", "Environment": "prod", "ManagedBy": "pulumi"}
ODD_VALUES: list[Any] = [None, [], {}, "", "x", 0, 1.5, True, ["x"], [None], [{"key": 1}], {"a": [1]}]
"""What a value can be at preview (unknown, computed) or in a provider's own resource: any of these in any place."""

# What pulumi-eks creates inside its components, which a real preview shows the pack and an offline run does not:
# shapes as the providers' schemas give them (eks:index:VpcCniAddon's tags are a list of maps).
PROVIDER_CHILDREN: list[tuple[str, dict[str, Any]]] = [
    ("eks:index:VpcCniAddon", {"clusterName": "cnop-prod", "enableNetworkPolicy": True, "tags": [TAGS]}),
    ("eks:index:Addon", {"addonName": "coredns", "cluster": {}, "tags": [{"Project": "cnop"}, {
        "Environment": "prod", "ManagedBy": "pulumi"}]}),
    ("aws:eks/cluster:Cluster", {"name": "cnop-prod", "tags": TAGS, "vpcConfig": {
        "endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"], "subnetIds": ["subnet-1"]}}),
    ("aws:eks/addon:Addon", {"addonName": "vpc-cni", "clusterName": "cnop-prod", "tags": TAGS}),
    ("aws:eks/accessEntry:AccessEntry", {"clusterName": "cnop-prod", "principalArn": "arn", "tags": TAGS}),
    ("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", {"accessScope": {"type": "cluster"}}),
    ("aws:iam/role:Role", {"assumeRolePolicy": "{}", "tags": TAGS}),
    ("aws:ec2/securityGroup:SecurityGroup", {"vpcId": "vpc-1", "tags": TAGS, "ingress": [
        {"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}], "egress": [
        {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]}),
    ("aws:ec2/securityGroupRule:SecurityGroupRule", {"type": "egress", "protocol": "-1", "fromPort": 0,
                                                      "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}),
    ("aws:ec2/launchTemplate:LaunchTemplate", {"tags": TAGS, "metadataOptions": {"httpTokens": "required"}}),
    ("kubernetes:core/v1:ConfigMap", {"apiVersion": "v1", "kind": "ConfigMap", "data": {"mapRoles": "[]"}}),
    ("pulumi:providers:kubernetes", {"kubeconfig": "{}"}),
]


def violations(resource_type: str, props: Any, name: str = "fixture", protect: bool = False) -> dict[str, list[str]]:
    """Violations by policy name for one resource."""
    options = PolicyResourceOptions(protect=protect, ignore_changes=[], delete_before_replace=None, aliases=[],
                                    custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[])
    args = ResourceValidationArgs(resource_type=resource_type, props=props, urn=f"urn:pulumi:test::cnop::{name}",
                                  name=name, opts=options, provider=None)
    found: dict[str, list[str]] = {}
    for policy in policies():
        reported: list[str] = []
        policy.validate(args, lambda message, urn=None, into=reported: into.append(message))
        if reported:
            found[policy.name] = reported
    return found


def of(resource: PlannedResource, props: dict[str, Any] | None = None) -> dict[str, list[str]]:
    return violations(resource.type, resource.inputs if props is None else props, resource.name, resource.protect)


def test_every_stack_passes_every_policy(run: OfflineRun) -> None:
    failures = {r.name: found for r in run.resources if (found := of(r))}
    assert failures == {}


def test_every_policy_answers_for_every_shape_of_every_resource(runs: dict[str, OfflineRun]) -> None:
    """Each policy, for each resource of the three plans and pulumi-eks's own children, with each top-level
    value and each value one level down replaced by odd ones, returns (reported or not) without raising."""
    subjects = [(r.type, r.inputs) for run in runs.values() for r in run.resources] + PROVIDER_CHILDREN
    calls = 0
    for resource_type, inputs in subjects:
        for props in _variants(inputs):
            violations(resource_type, props)
            calls += 1
    assert calls > 10 * len(subjects)
    assert len(policies()) == len(CHECKS)


def _variants(inputs: dict[str, Any]) -> list[Any]:
    variants: list[Any] = [inputs, {}, *ODD_VALUES]
    for key, value in inputs.items():
        variants += [{**inputs, key: odd} for odd in ODD_VALUES]
        if isinstance(value, dict):
            variants += [{**inputs, key: {**value, inner: odd}} for inner in value for odd in ODD_VALUES[:4]]
    return variants


def test_provider_children_pass_when_well_made() -> None:
    assert {kind: found for kind, props in PROVIDER_CHILDREN if (found := violations(kind, props))} == {}


@pytest.mark.parametrize("tags", [[{"Project": "cnop"}], [{"key": "Project", "value": "cnop"}], {"Project": "cnop"}])
def test_tags_in_any_shape_are_read(tags: Any) -> None:
    found = violations("eks:index:VpcCniAddon", {"tags": tags})
    assert found == {"required-tags": ["missing required tags ['Environment', 'ManagedBy']"]}


def planned(run: OfflineRun, type_token: str, name: str | None = None) -> PlannedResource:
    return next(r for r in run.of_type(type_token) if name is None or r.name == name)


def test_rejects_redis_open_to_the_internet() -> None:
    group = {"vpcId": "vpc-1", "tags": TAGS, "ingress": [
        {"protocol": "tcp", "fromPort": 6000, "toPort": 7000, "cidrBlocks": ["0.0.0.0/0"]}]}
    assert "no-public-data-stores" in violations("aws:ec2/securityGroup:SecurityGroup", group)
    rule = {"ipProtocol": "-1", "cidrIpv4": "8.8.8.0/24", "tags": TAGS}
    assert "no-public-data-stores" in violations("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", rule)


def test_rejects_a_dynamodb_table_shared_with_everyone() -> None:
    policy = {"resourceArn": "arn:aws:dynamodb:us-east-1:1:table/t", "policy": (
        '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "dynamodb:*", "Resource": "*"}]}')}
    assert "no-public-data-stores" in violations("aws:dynamodb/resourcePolicy:ResourcePolicy", policy)


def test_rejects_unencrypted_tables_and_redis(runs: dict[str, OfflineRun]) -> None:
    table = copy.deepcopy(planned(runs["dev"], "aws:dynamodb/table:Table").inputs)
    table["serverSideEncryption"] = {"enabled": False}
    assert "encryption-on" in violations("aws:dynamodb/table:Table", table)
    redis = copy.deepcopy(planned(runs["prod"], "aws:elasticache/replicationGroup:ReplicationGroup").inputs)
    redis["transitEncryptionEnabled"] = False
    del redis["authToken"], redis["kmsKeyId"]
    found = violations("aws:elasticache/replicationGroup:ReplicationGroup", redis)
    assert found["encryption-on"] == ["Redis needs transitEncryptionEnabled", "Redis needs authToken",
                                      "Redis needs kmsKeyId"]


def test_rejects_prod_data_without_recovery_or_protection(runs: dict[str, OfflineRun]) -> None:
    resource = planned(runs["prod"], "aws:dynamodb/table:Table")
    assert resource.protect is True and resource.retain_on_delete is True
    table = copy.deepcopy(resource.inputs)
    table["pointInTimeRecovery"] = {"enabled": False}
    table["deletionProtectionEnabled"] = False
    assert violations("aws:dynamodb/table:Table", table)["recovery-in-prod"] == [
        "a production table needs point-in-time recovery", "a production table needs deletion protection",
        "production data must be protected (the protect resource option)"]
    table["tags"] = {**TAGS, "Environment": "dev"}
    assert "recovery-in-prod" not in violations("aws:dynamodb/table:Table", table)
    vault = planned(runs["prod"], "aws:backup/vault:Vault")
    assert "recovery-in-prod" in violations(vault.type, vault.inputs, protect=False)


def test_rejects_prod_backups_kept_less_than_35_days(runs: dict[str, OfflineRun]) -> None:
    plan = copy.deepcopy(planned(runs["prod"], "aws:backup/plan:Plan").inputs)
    plan["rules"][0]["lifecycle"]["deleteAfter"] = 7
    assert violations("aws:backup/plan:Plan", plan) == {
        "recovery-in-prod": ["backup rule 'daily' keeps recovery points 7 days (< 35)"]}


def test_rejects_untagged_aws_resources(runs: dict[str, OfflineRun]) -> None:
    vpc = copy.deepcopy(planned(runs["prod"], "aws:ec2/vpc:Vpc").inputs)
    vpc["tags"] = {"Project": "cnop"}
    assert violations("aws:ec2/vpc:Vpc", vpc) == {
        "required-tags": ["missing required tags ['Environment', 'ManagedBy']"]}


def deployment(run: OfflineRun) -> dict[str, Any]:
    return copy.deepcopy(planned(run, "kubernetes:apps/v1:Deployment", "order-deployment").secret_inputs)


def test_rejects_workloads_without_probes_limits_or_as_root(runs: dict[str, OfflineRun]) -> None:
    bad = deployment(runs["prod"])
    pod = bad["spec"]["template"]["spec"]
    container = pod["containers"][0]
    del container["readinessProbe"], container["resources"]["limits"]
    container["securityContext"] = {"runAsUser": 0}
    pod["securityContext"] = {}
    found = violations("kubernetes:apps/v1:Deployment", bad)["hardened-workloads"]
    assert {f.split(" lacks ")[1] for f in found} == {
        "readinessProbe", "limits.cpu", "limits.memory", "runAsNonRoot", "readOnlyRootFilesystem",
        "allowPrivilegeEscalation=false"}


@pytest.mark.parametrize("image", ["cnop-apps", "cnop-apps:latest", "registry:5000/cnop-apps", "x/y:"])
def test_rejects_unpinned_images(image: str, runs: dict[str, OfflineRun]) -> None:
    bad = deployment(runs["localstack"])
    bad["spec"]["template"]["spec"]["containers"][0]["image"] = image
    assert "pinned-images" in violations("kubernetes:apps/v1:Deployment", bad)


def test_accepts_digests_and_ports_in_registry_names(runs: dict[str, OfflineRun]) -> None:
    for image in ("registry:5000/cnop-apps:1.2.3", f"cnop-apps@sha256:{'a' * 64}"):
        good = deployment(runs["localstack"])
        good["spec"]["template"]["spec"]["containers"][0]["image"] = image
        assert violations("kubernetes:apps/v1:Deployment", good) == {}


def test_rejects_unpinned_builds_and_charts(runs: dict[str, OfflineRun]) -> None:
    image = copy.deepcopy(planned(runs["dev"], "docker-build:index:Image").inputs)
    image["tags"] = ["123.dkr.ecr.us-east-1.amazonaws.com/cnop-dev/apps:latest"]
    assert "pinned-images" in violations("docker-build:index:Image", image)
    for release in runs["dev"].of_type("kubernetes:helm.sh/v3:Release"):
        unpinned = {key: value for key, value in release.inputs.items() if key != "version"}
        assert "pinned-images" in violations(release.type, unpinned), release.name


def test_rejects_a_load_balancer_service_without_tls(runs: dict[str, OfflineRun]) -> None:
    service = copy.deepcopy(planned(runs["prod"], "kubernetes:core/v1:Service", "gateway-service").inputs)
    service["spec"]["type"] = "LoadBalancer"
    assert violations(service_type := "kubernetes:core/v1:Service", service) == {"tls-at-the-edge": [
        "a LoadBalancer Service must terminate TLS (aws-load-balancer-ssl-cert and -ssl-ports)"]}
    service["metadata"]["annotations"] = {"service.beta.kubernetes.io/aws-load-balancer-ssl-cert": "arn:cert",
                                          "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "443"}
    assert violations(service_type, service) == {}


@pytest.mark.parametrize(("change", "problem"), [
    ({"alb.ingress.kubernetes.io/certificate-arn": None},
     "an Ingress needs a certificate (alb.ingress.kubernetes.io/certificate-arn)"),
    ({"alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}]', "alb.ingress.kubernetes.io/ssl-redirect": "443"},
     "an Ingress must listen on HTTPS (alb.ingress.kubernetes.io/listen-ports)"),
    ({"alb.ingress.kubernetes.io/ssl-redirect": None},
     "an Ingress listening on HTTP must redirect it to HTTPS (alb.ingress.kubernetes.io/ssl-redirect)"),
])
def test_rejects_an_ingress_that_is_not_https_only(change: dict[str, Any], problem: str,
                                                   runs: dict[str, OfflineRun]) -> None:
    ingress = copy.deepcopy(planned(runs["prod"], "kubernetes:networking.k8s.io/v1:Ingress").inputs)
    annotations = ingress["metadata"]["annotations"]
    annotations.update(change)
    ingress["metadata"]["annotations"] = {key: value for key, value in annotations.items() if value is not None}
    assert violations("kubernetes:networking.k8s.io/v1:Ingress", ingress) == {"tls-at-the-edge": [problem]}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_rejects_a_cluster_api_open_to_the_internet(stack: str, runs: dict[str, OfflineRun]) -> None:
    cluster = copy.deepcopy(planned(runs[stack], "eks:index:Cluster").inputs)
    cluster["publicAccessCidrs"] = ["203.0.113.0/24", "0.0.0.0/0"]
    assert violations("eks:index:Cluster", cluster) == {"private-cluster-api": [
        "the Kubernetes API endpoint is open to 0.0.0.0/0"]}
    del cluster["publicAccessCidrs"]
    assert "private-cluster-api" in violations("eks:index:Cluster", cluster)
    cluster["endpointPublicAccess"] = False
    assert violations("eks:index:Cluster", cluster) == {}
    inner = dict(PROVIDER_CHILDREN)["aws:eks/cluster:Cluster"]
    opened = {**inner, "vpcConfig": {**inner["vpcConfig"], "publicAccessCidrs": ["0.0.0.0/0"]}}
    assert "private-cluster-api" in violations("aws:eks/cluster:Cluster", opened)


def test_rejects_redis_that_may_evict(runs: dict[str, OfflineRun]) -> None:
    redis = copy.deepcopy(planned(runs["prod"], "aws:elasticache/replicationGroup:ReplicationGroup").inputs)
    for group in (None, "default.redis7"):
        redis["parameterGroupName"] = group
        assert "redis-keeps-revocations" in violations("aws:elasticache/replicationGroup:ReplicationGroup", redis)
    params = copy.deepcopy(planned(runs["prod"], "aws:elasticache/parameterGroup:ParameterGroup").inputs)
    assert params["parameters"] == [{"name": "maxmemory-policy", "value": "noeviction"}]
    params["parameters"] = [{"name": "maxmemory-policy", "value": "allkeys-lru"}]
    assert violations("aws:elasticache/parameterGroup:ParameterGroup", params) == {
        "redis-keeps-revocations": ["maxmemory-policy must be noeviction, not ['allkeys-lru']"]}


def test_the_pack_reports_each_policy_by_name_and_all_are_mandatory() -> None:
    assert [p.name for p in policies()] == list(CHECKS)
    assert json.dumps(sorted(CHECKS)) == json.dumps(sorted({p.name for p in policies()}))
