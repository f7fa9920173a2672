"""The policy pack passes every stack's resources and rejects deliberately bad ones.

Resources go through the pack's real ``ResourceValidationPolicy`` objects, as the engine would call them.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs

from ops.offline import OfflineRun, PlannedResource
from platform_policy.pack import policies

TAGS = {"Project": "cnop", "Environment": "prod", "ManagedBy": "pulumi"}


def violations(resource_type: str, props: dict[str, Any], name: str = "fixture") -> dict[str, list[str]]:
    """Violations by policy name for one resource."""
    options = PolicyResourceOptions(protect=False, ignore_changes=[], delete_before_replace=None, aliases=[],
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


def test_every_stack_passes_every_policy(run: OfflineRun) -> None:
    failures = {r.name: found for r in run.resources if (found := violations(r.type, r.inputs, r.name))}
    assert failures == {}


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
    del redis["authToken"]
    found = violations("aws:elasticache/replicationGroup:ReplicationGroup", redis)
    assert len(found["encryption-on"]) == 2


def test_rejects_a_prod_table_without_recovery(runs: dict[str, OfflineRun]) -> None:
    table = copy.deepcopy(planned(runs["prod"], "aws:dynamodb/table:Table").inputs)
    table["pointInTimeRecovery"] = {"enabled": False}
    table["deletionProtectionEnabled"] = False
    assert len(violations("aws:dynamodb/table:Table", table)["recovery-in-prod"]) == 2
    table["tags"] = {**TAGS, "Environment": "dev"}
    assert "recovery-in-prod" not in violations("aws:dynamodb/table:Table", table)


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
    release = copy.deepcopy(planned(runs["dev"], "kubernetes:helm.sh/v3:Release").inputs)
    del release["version"]
    assert "pinned-images" in violations("kubernetes:helm.sh/v3:Release", release)
