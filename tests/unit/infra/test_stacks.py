"""Each stack's invariants, from the resources its program would create."""

from __future__ import annotations

import json

import pytest

from ops.offline import OfflineRun

EKS = "eks:index:Cluster"
NODE_GROUP = "eks:index:ManagedNodeGroup"
REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
TABLE = "aws:dynamodb/table:Table"


def test_localstack_has_no_eks_elasticache_or_registry(runs: dict[str, OfflineRun]) -> None:
    local = runs["localstack"]
    aws_types = {r.type for r in local.resources if r.type.startswith(("aws:", "eks:", "docker-build:"))}
    assert aws_types == {TABLE, "aws:kms/key:Key", "aws:kms/alias:Alias"}
    # The provider is pointed at LocalStack for exactly the services those resources use.
    (endpoints,) = json.loads(local.config["aws:endpoints"])
    assert endpoints == {"dynamodb": "http://127.0.0.1:4566", "kms": "http://127.0.0.1:4566"}
    for flag in ("skipCredentialsValidation", "skipMetadataApiCheck", "skipRequestingAccountId"):
        assert local.config[f"aws:{flag}"] == "true"
    assert [r.inputs["context"] for r in local.of_type("pulumi:providers:kubernetes")] == ["kind-cnop"]
    assert len(local.of_type("kubernetes:apps/v1:Deployment")) == 7  # six apps and the in-cluster Redis


def test_prod_redis_is_multi_az_with_failover_and_snapshots(runs: dict[str, OfflineRun]) -> None:
    (redis,) = runs["prod"].of_type(REDIS)
    assert redis.inputs["multiAzEnabled"] is True
    assert redis.inputs["automaticFailoverEnabled"] is True
    assert redis.inputs["numCacheClusters"] >= 2
    assert redis.inputs["snapshotRetentionLimit"] >= 1


def test_dev_redis_is_a_single_node(runs: dict[str, OfflineRun]) -> None:
    (redis,) = runs["dev"].of_type(REDIS)
    assert redis.inputs["numCacheClusters"] == 1 and redis.inputs["multiAzEnabled"] is False


def test_prod_tables_have_recovery_and_deletion_protection(runs: dict[str, OfflineRun]) -> None:
    for table in runs["prod"].of_type(TABLE):
        assert table.inputs["pointInTimeRecovery"]["enabled"] is True, table.name
        assert table.inputs["deletionProtectionEnabled"] is True, table.name


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_eks_has_a_fixed_system_node_group_enforced_network_policies_and_named_admins(
    stack: str, runs: dict[str, OfflineRun]
) -> None:
    (cluster,) = runs[stack].of_type(EKS)
    assert cluster.inputs["name"] == f"cnop-{stack}"
    assert cluster.inputs["createOidcProvider"] is False  # Pod Identity for every workload
    assert cluster.inputs["skipDefaultNodeGroup"] is True and cluster.inputs["skipDefaultSecurityGroups"] is True
    assert cluster.inputs["vpcCniOptions"]["enableNetworkPolicy"] is True
    assert cluster.inputs["version"] == runs[stack].config["cnop:kubernetesVersion"]
    entries = cluster.inputs["accessEntries"]
    assert set(entries) == {"operators", "ci"}
    for entry in entries.values():
        assert entry["principalArn"].startswith("arn:aws:iam::") and ":role/" in entry["principalArn"]
        assert [p["policyArn"] for p in entry["accessPolicies"].values()] == [
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"]
    assert all(not cidr.endswith("/0") for cidr in cluster.inputs["publicAccessCidrs"])
    (group,) = runs[stack].of_type(NODE_GROUP)
    scaling = group.inputs["scalingConfig"]
    assert scaling["minSize"] == scaling["maxSize"] == scaling["desiredSize"] >= 2


def test_prod_spreads_over_three_zones_with_a_nat_gateway_each(runs: dict[str, OfflineRun]) -> None:
    prod = runs["prod"]
    zones = {s.inputs["availabilityZone"] for s in prod.of_type("aws:ec2/subnet:Subnet")}
    assert len(zones) == 3
    assert len(prod.of_type("aws:ec2/natGateway:NatGateway")) == 3


def test_outputs_are_exported_and_the_kubeconfig_is_secret(run: OfflineRun) -> None:
    optional = {key for key in ("loadtest", "chaos") if json.loads(run.config.get(f"cnop:{key}", "{}")).get("enabled")}
    assert set(run.outputs) == {"gatewayUrl", "grafanaUrl", "grafanaAdminPassword", "tableNames", "image",
                                "kubeconfig", *optional}  # the load generator's and chaos's where enabled
    assert {"kubeconfig", "grafanaAdminPassword"} <= run.secret_outputs
    scheme = "http://127.0.0.1:" if run.stack == "localstack" else "https://"
    assert run.outputs["gatewayUrl"].startswith(scheme)
    assert run.outputs["grafanaUrl"].startswith("http://")


def test_the_program_builds_only_components_and_each_resource_has_one(run: OfflineRun) -> None:
    by_urn = {r.urn: r for r in run.resources}
    top_level = {r.type for r in run.resources if r.parent not in by_urn}
    assert top_level and all(t.startswith("cnop:platform:") for t in top_level), top_level
    for resource in run.resources:
        if resource.parent in by_urn:
            assert resource.name.startswith(by_urn[resource.parent].name), (resource.name, resource.parent)


def test_signing_key_and_passwords_stay_secret(run: OfflineRun) -> None:
    for secret in run.of_type("kubernetes:core/v1:Secret"):
        data = secret.inputs["stringData"]  # the engine marks the whole map secret when any value is
        assert data == "[secret]" or all(value == "[secret]" for value in data.values()), secret.name
    for key in run.of_type("tls:index/privateKey:PrivateKey"):
        assert key.inputs == {"algorithm": "ECDSA", "ecdsaCurve": "P256"}


def test_images_are_pinned_and_built_only_where_a_registry_exists(runs: dict[str, OfflineRun]) -> None:
    assert runs["localstack"].outputs["image"] == "cnop-apps:0.1.0"
    assert not runs["localstack"].of_type("docker-build:index:Image")
    for stack in ("dev", "prod"):
        assert "@sha256:" in runs[stack].outputs["image"]
        images = runs[stack].of_type("docker-build:index:Image")
        targets = sorted(image.inputs["target"] for image in images)  # resources register in any order
        assert targets in (["apps"], ["apps", "loadtest"])
        assert all(image.inputs["push"] is True for image in images)

