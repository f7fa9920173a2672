"""The stack config is a model: every stack file loads whole; a bad value stops the program with one line naming
the stack file and the key as the file spells it, before any resource is declared."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

import pulumi
import pytest
import yaml
from cnop_platform.appservice import AppServiceArgs
from cnop_platform.images import UnpinnedImageError, check_pinned
from cnop_platform.local_cache import LocalCacheArgs
from pydantic import ValidationError

from apps.common.services import names
from apps.common.tables import default_table_prefix
from ops.offline import STACK_NAMES, STACKS, OfflineRun, run_offline
from stacks.config import ClusterConfig, ConfigError, StackConfig, describe, load
from tests.unit.infra.config_support import assert_refused_before_any_resource, section, under_engine

APPS = ", ".join(names())
REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    # unknown keys, at the top and nested
    ("dev", {"cnop:clusterName": "cnop"}, "cnop:clusterName: Extra inputs are not permitted"),
    ("prod", section("prod", "cnop:cluster", nodeCout=3), "cnop:cluster.nodeCout: Extra inputs are not permitted"),
    ("prod", section("prod", "cnop:apps", env={"gatewy": {"GATEWAY_X": "1"}}),
     f"cnop:apps.env.gatewy: 'gatewy' is not an app; the apps are {APPS}"),
    ("prod", section("prod", "cnop:apps", env={"gateway": {"cors": "x"}}),
     "cnop:apps.env.gateway.cors: 'cors' is not an environment variable name"),
    # wrong types
    ("dev", section("dev", "cnop:cluster", nodeCount="three"),
     "cnop:cluster.nodeCount: Input should be a valid integer"),
    ("prod", section("prod", "cnop:database", deletionProtection="yes"),
     "cnop:database.deletionProtection: Input should be a valid boolean"),
    ("dev", {"cnop:monitoring": "78.2.1"},
     "cnop:monitoring: Input should be a valid dictionary or instance of MonitoringConfig"),
    ("prod", section("prod", "cnop:apps", cpuLimit=2), "cnop:apps.cpuLimit: Input should be a valid string"),
    # counts out of range
    ("prod", section("prod", "cnop:cluster", nodeCount=-1), "cnop:cluster.nodeCount: Input should be greater than 0"),
    ("dev", section("dev", "cnop:apps", minReplicas=0), "cnop:apps.minReplicas: Input should be greater than 0"),
    ("prod", section("prod", "cnop:cache", snapshotRetentionDays=-1),
     "cnop:cache.snapshotRetentionDays: Input should be greater than or equal to 0"),
    ("localstack", section("localstack", "cnop:apps", gatewayNodePort=80),
     "cnop:apps.gatewayNodePort: Input should be greater than or equal to 30000"),
    # addresses
    ("prod", section("prod", "cnop:network", cidrBlock="10.50.0.0/33"),
     "cnop:network.cidrBlock: Input is not a valid IPv4 network"),
    ("prod", section("prod", "cnop:cluster", apiAllowedCidrs=["203.0.113.0/24", "203.0.113.7/24"]),
     "cnop:cluster.apiAllowedCidrs[1]: Input is not a valid IPv4 network"),
    ("dev", {"aws:region": "us-east"}, "aws:region: 'us-east' is not an AWS region such as us-east-1"),
    # choices and formats
    ("dev", {"cnop:environment": "staging"}, "cnop:environment: Input should be 'localstack', 'dev' or 'prod'"),
    ("dev", section("dev", "cnop:cluster", kind="gke"), "cnop:cluster.kind: Input should be 'eks' or 'kind'"),
    ("prod", section("prod", "cnop:apps", gatewayServiceType="Ingress"),
     "cnop:apps.gatewayServiceType: Input should be 'ClusterIP', 'NodePort' or 'LoadBalancer'"),
    ("prod", section("prod", "cnop:apps", cpuRequest="250 m"),
     "cnop:apps.cpuRequest: '250 m' is not a Kubernetes CPU quantity such as 250m or 2"),
    ("prod", section("prod", "cnop:apps", memoryLimit="1GB"),
     "cnop:apps.memoryLimit: '1GB' is not a Kubernetes memory quantity such as 512Mi or 1Gi"),
    ("dev", section("dev", "cnop:monitoring", prometheusRetention="7 days"),
     "cnop:monitoring.prometheusRetention: '7 days' is not a Prometheus duration such as 15d"),
    ("dev", section("dev", "cnop:images", tag="latest"),
     "cnop:images.tag: image tag 'latest' is not an exact version tag"),
    ("dev", section("dev", "cnop:images", digest="sha256:abc"),
     "cnop:images.digest: image digest 'sha256:abc' is not sha256:<64 hex>"),
    ("localstack", section("localstack", "cnop:cache", image="redis"), "cnop:cache.image: 'redis' names no tag"),
    # rules over several values: the key named is the one to change
    ("prod", section("prod", "cnop:apps", minReplicas=7), "cnop:apps.minReplicas: 7 exceeds maxReplicas 6"),
    ("dev", section("dev", "cnop:apps", gatewayNodePort=30080),
     "cnop:apps.gatewayNodePort: needs gatewayServiceType NodePort"),
    ("dev", section("dev", "cnop:network", availabilityZones=["us-east-1a"]),
     "cnop:network.availabilityZones: EKS needs subnets in at least two zones"),
    ("dev", section("dev", "cnop:network", availabilityZones=["us-east-1a", "us-west-2a"]),
     "cnop:network.availabilityZones: ['us-west-2a'] are not in aws:region us-east-1"),
    ("dev", section("dev", "cnop:network", cidrBlock="10.40.0.0/24"),
     "cnop:network.cidrBlock: 10.40.0.0/24 is too small for 2 zones of /20 subnets"),
    ("localstack", section("localstack", "cnop:cache", kind="elasticache"),
     "cnop:cache.kind: a Kind cluster has no VPC for ElastiCache: use in-cluster"),
    ("localstack", section("localstack", "cnop:images", build=True),
     "cnop:images.build: builds push to ECR; Kind loads a local image (make kind-load)"),
    ("localstack", section("localstack", "cnop:cache", multiAz=True),
     "cnop:cache.multiAz: needs cache.kind elasticache"),
    # what surrounds the cluster: the edge, the API endpoint, who administers, capacity, data, signing keys
    ("prod", section("prod", "cnop:edge", certificateArn=None, hostedZoneId=None),
     "cnop:edge.certificateArn: HTTPS needs a certificate: certificateArn, or hostedZoneId to request and "
     "DNS-validate one"),
    ("prod", {"cnop:edge": None}, "cnop:edge: EKS serves the gateway over HTTPS only: set edge.domain and a "
                                  "certificate"),
    ("prod", section("prod", "cnop:edge", domain="API.Example"),
     "cnop:edge.domain: 'API.Example' is not a lower-case DNS name such as api.example.com"),
    ("prod", section("prod", "cnop:edge", certificateArn="arn:aws:acm:us-east-1:1:certificate/x"),
     "cnop:edge.certificateArn: 'arn:aws:acm:us-east-1:1:certificate/x' is not an ACM certificate ARN"),
    ("localstack", {"cnop:edge": {"domain": "api.example.com", "hostedZoneId": "Z0123456789EXAMPLE"}},
     "cnop:edge: Kind serves plain HTTP on 127.0.0.1 (NodePort): no edge"),
    ("dev", section("dev", "cnop:apps", gatewayServiceType="LoadBalancer"),
     "cnop:apps.gatewayServiceType: EKS fronts the gateway with the edge's ALB: ClusterIP"),
    ("dev", section("dev", "cnop:cluster", apiAllowedCidrs=["0.0.0.0/0"]),
     "cnop:cluster.apiAllowedCidrs: 0.0.0.0/0 opens the Kubernetes API to the internet"),
    ("dev", section("dev", "cnop:cluster", apiAllowedCidrs=[]),
     "cnop:cluster.apiAllowedCidrs: EKS needs the ranges that may reach its API endpoint"),
    ("prod", section("prod", "cnop:access", ciRoleArn=None),
     "cnop:access.ciRoleArn: production needs the CI role that deploys"),
    ("prod", section("prod", "cnop:access", operatorRoleArn="arn:aws:iam::1:role/x"),
     "cnop:access.operatorRoleArn: 'arn:aws:iam::1:role/x' is not an IAM role ARN such as "
     "arn:aws:iam::123456789012:role/operators"),
    ("prod", section("prod", "cnop:capacity", maxCpu="4"),
     "cnop:capacity.maxCpu: 4 is less than the 9 cores the apps request at maxReplicas"),
    ("prod", section("prod", "cnop:capacity", amiAlias="al2023@latest"),
     "cnop:capacity.amiAlias: 'al2023@latest' is not a pinned AMI alias such as al2023@v20250807"),
    ("prod", section("prod", "cnop:capacity", capacityTypes=["on-demand", "reserved"]),
     "cnop:capacity.capacityTypes[1]: Input should be 'on-demand' or 'spot'"),
    ("prod", section("prod", "cnop:database", protect=False),
     "cnop:database.protect: production tables and their key must be protected"),
    ("prod", section("prod", "cnop:backup", enabled=False), "cnop:backup.enabled: production tables need an AWS "
                                                             "Backup plan"),
    ("prod", section("prod", "cnop:backup", retentionDays=0),
     "cnop:backup.retentionDays: Input should be greater than or equal to 1"),
    ("prod", section("prod", "cnop:alerts", emails=["oncall"]), "cnop:alerts.emails[0]: 'oncall' is not an e-mail "
                                                                "address"),
    ("prod", section("prod", "cnop:secrets", signingKeys=["k1", "k1"]),
     "cnop:secrets.signingKeys: signing keys repeat in ['k1', 'k1']"),
    ("prod", section("prod", "cnop:secrets", signingKeys=["a", "b", "c"]),
     "cnop:secrets.signingKeys: Tuple should have at most 2 items after validation, not 3"),
    # every problem at once, still one line
    ("prod", section("prod", "cnop:cluster", nodeCount=0, instanceType="big"),
     "cnop:cluster.nodeCount: Input should be greater than 0; "
     "cnop:cluster.instanceType: 'big' is not an EC2 instance type such as t3.large"),
]


@pytest.mark.parametrize(("stack", "overrides", "problem"), REFUSALS, ids=[line for _, _, line in REFUSALS])
def test_a_bad_value_is_one_line_naming_the_file_and_key_before_any_resource(
    stack: str, overrides: dict[str, Any], problem: str
) -> None:
    assert_refused_before_any_resource(stack, overrides, problem)


def test_a_config_error_is_a_run_error_so_pulumi_prints_it_without_a_traceback() -> None:
    assert issubclass(ConfigError, pulumi.RunError)


def test_a_missing_section_is_named() -> None:
    with pytest.raises(ValidationError) as failure:
        StackConfig.model_validate({"environment": "dev", "region": "us-east-1", "kubernetesVersion": "1.33",
                                    "cluster": {"kind": "eks"}, "cache": {"kind": "elasticache"},
                                    "monitoring": {"chartVersion": "78.2.1"},
                                    "alertmanager": {"runbookBaseUrl": "https://runbooks.example"}})
    assert describe(failure.value) == "cnop:images: Field required"


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_stack_file_loads_whole(stack: str) -> None:
    config, _ = under_engine(stack, {}, load)
    raw = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())["config"]
    written = {key.removeprefix("cnop:"): value for key, value in raw.items() if key.startswith("cnop:")}
    read = config.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert read == {**written, "region": raw["aws:region"]}
    assert config.environment == stack and config.table_prefix == default_table_prefix(stack)


def test_camel_case_keys_map_to_typed_fields() -> None:
    cluster = ClusterConfig.model_validate({"kind": "eks", "apiAllowedCidrs": ["10.0.0.0/8"], "nodeCount": 3})
    assert cluster.api_allowed_cidrs == (IPv4Network("10.0.0.0/8"),) and cluster.node_count == 3


def test_values_a_stack_leaves_unset_are_the_components_defaults(runs: dict[str, OfflineRun]) -> None:
    """Neither stack file sets the in-cluster Redis image or dev's resources: the components' Args decide."""
    (redis,) = [d for d in runs["localstack"].of_type("kubernetes:apps/v1:Deployment") if d.name == "cache-redis"]
    assert [c["image"] for c in redis.inputs["spec"]["template"]["spec"]["containers"]] == [LocalCacheArgs.image]
    defaults = AppServiceArgs(service="x", namespace="x", image="x", port=1)
    for deployment in runs["dev"].of_type("kubernetes:apps/v1:Deployment"):
        (container,) = deployment.inputs["spec"]["template"]["spec"]["containers"]
        assert container["resources"] == {"requests": {"cpu": defaults.cpu_request, "memory": defaults.memory_request},
                                          "limits": {"cpu": defaults.cpu_limit, "memory": defaults.memory_limit}}


def test_a_secret_gemini_key_reaches_only_insights(runs: dict[str, OfflineRun]) -> None:
    run = run_offline("dev", {"cnop:geminiApiKey": {"secure": "AAABAEncrypted"}})
    (secret,) = [s for s in run.of_type("kubernetes:core/v1:Secret") if s.name == "secrets-gemini"]
    assert secret.secret_inputs["stringData"] == {"api-key": "offline-placeholder-for-cnop:geminiApiKey"}
    readers = {d.name for d in run.of_type("kubernetes:apps/v1:Deployment")
               if "GOOGLE_GEMINI_API_KEY" in str(d.inputs)}
    assert readers == {"insights-deployment"}
    assert not any(s.name == "secrets-gemini" for s in runs["dev"].of_type("kubernetes:core/v1:Secret"))


@pytest.mark.parametrize(("tag", "digest"), [("latest", None), ("", None), ("1.0", "sha256:abc"), ("a b", None)])
def test_unpinned_image_references_are_refused(tag: str, digest: str | None) -> None:
    with pytest.raises(UnpinnedImageError):
        check_pinned(tag, digest)
