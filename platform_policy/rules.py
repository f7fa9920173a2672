"""The platform's rules as plain checks: ``check(resource_type, props) -> violations``.

Props are a resource's inputs as Pulumi sends them to providers and to policy packs (wire names:
``serverSideEncryption``, ``spec.template.spec.containers``). ``pack.py`` wraps each check as a
``ResourceValidationPolicy``; tests call the checks through the same policies.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

Props = Mapping[str, Any]
Check = Callable[[str, Props], list[str]]

REQUIRED_TAGS = ("Project", "Environment", "ManagedBy")
REDIS_PORT = 6379
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
# AWS resources that take no tags (attachments, associations, aliases, inline policies).
UNTAGGABLE = {
    "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:kms/alias:Alias",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy", "aws:ec2/route:Route",
    "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
}


def _is_public(cidr: str) -> bool:
    network = ipaddress.ip_network(cidr, strict=False)
    return network.prefixlen == 0 or not network.is_private


def _covers(rule: Props, port: int) -> bool:
    if str(rule.get("protocol", "")) in ("-1", "all"):
        return True
    low, high = rule.get("fromPort", rule.get("from_port")), rule.get("toPort", rule.get("to_port"))
    return low is not None and high is not None and int(low) <= port <= int(high)


def no_public_data_stores(resource_type: str, props: Props) -> list[str]:
    """Redis is never reachable from public addresses; DynamoDB is never shared with everyone."""
    if resource_type == "aws:ec2/securityGroup:SecurityGroup":
        return [f"security group admits {cidr} to the Redis port {REDIS_PORT}"
                for rule in props.get("ingress") or [] if _covers(rule, REDIS_PORT)
                for cidr in [*(rule.get("cidrBlocks") or []), *(rule.get("ipv6CidrBlocks") or [])]
                if _is_public(cidr)]
    if resource_type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        cidr = props.get("cidrIpv4") or props.get("cidrIpv6")
        rule = {"protocol": props.get("ipProtocol"), "fromPort": props.get("fromPort"), "toPort": props.get("toPort")}
        if cidr and _is_public(cidr) and _covers(rule, REDIS_PORT):
            return [f"ingress rule admits {cidr} to the Redis port {REDIS_PORT}"]
    if resource_type == "aws:elasticache/replicationGroup:ReplicationGroup" and not props.get("subnetGroupName"):
        return ["a Redis replication group must live in the platform's private subnet group"]
    if resource_type == "aws:dynamodb/resourcePolicy:ResourcePolicy":
        policy = props.get("policy")
        document = json.loads(policy) if isinstance(policy, str) else policy or {}
        if any(_shares_with_everyone(s) for s in document.get("Statement", [])):
            return ["a DynamoDB resource policy allows every principal"]
    return []


def _shares_with_everyone(statement: Props) -> bool:
    principal = statement.get("Principal")
    everyone = principal == "*" or (isinstance(principal, Mapping) and "*" in _as_list(principal.get("AWS")))
    return statement.get("Effect") == "Allow" and everyone


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def encryption_on(resource_type: str, props: Props) -> list[str]:
    """Tables encrypted with a customer key; Redis encrypted at rest and in transit, behind a token."""
    if resource_type == "aws:dynamodb/table:Table":
        encryption = props.get("serverSideEncryption") or {}
        if not encryption.get("enabled") or not encryption.get("kmsKeyArn"):
            return ["a table must be encrypted with the platform's KMS key (serverSideEncryption)"]
    if resource_type == "aws:elasticache/replicationGroup:ReplicationGroup":
        missing = [key for key in ("transitEncryptionEnabled", "atRestEncryptionEnabled") if props.get(key) is not True]
        if not props.get("authToken"):
            missing.append("authToken")
        return [f"Redis needs {key}" for key in missing]
    if resource_type == "aws:kms/key:Key" and props.get("enableKeyRotation") is not True:
        return ["a KMS key must rotate (enableKeyRotation)"]
    return []


def recovery_in_prod(resource_type: str, props: Props) -> list[str]:
    """Production tables keep 35 days of point-in-time recovery and refuse deletion."""
    if resource_type != "aws:dynamodb/table:Table" or (props.get("tags") or {}).get("Environment") != "prod":
        return []
    violations = []
    if not (props.get("pointInTimeRecovery") or {}).get("enabled"):
        violations.append("a production table needs point-in-time recovery")
    if props.get("deletionProtectionEnabled") is not True:
        violations.append("a production table needs deletion protection")
    return violations


def required_tags(resource_type: str, props: Props) -> list[str]:
    """Every taggable AWS resource carries the platform's cost and ownership tags."""
    if not resource_type.startswith(("aws:", "eks:index:")) or resource_type in UNTAGGABLE:
        return []
    tags = props.get("tags") or {}
    missing = [key for key in REQUIRED_TAGS if not tags.get(key)]
    return [f"missing required tags {missing}"] if missing else []


def _pod_spec(props: Props) -> Props:
    spec = props.get("spec") or {}
    if props.get("kind") == "Pod":
        return spec
    if props.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template: Props = spec.get("template") or {}
    return template.get("spec") or {}


def _containers(props: Props) -> Iterator[Props]:
    pod = _pod_spec(props)
    yield from pod.get("initContainers") or []
    yield from pod.get("containers") or []


def hardened_workloads(resource_type: str, props: Props) -> list[str]:
    """Every container has probes, requests and limits, runs as non-root on a read-only root filesystem."""
    if not resource_type.startswith("kubernetes:") or props.get("kind") not in WORKLOAD_KINDS:
        return []
    pod_non_root = (_pod_spec(props).get("securityContext") or {}).get("runAsNonRoot") is True
    violations = []
    for container in _containers(props):
        name = container.get("name", "?")
        context = container.get("securityContext") or {}
        resources = container.get("resources") or {}
        problems = [probe for probe in ("readinessProbe", "livenessProbe") if not container.get(probe)]
        problems += [f"{kind}.{what}" for kind in ("requests", "limits") for what in ("cpu", "memory")
                     if not (resources.get(kind) or {}).get(what)]
        if not (pod_non_root or context.get("runAsNonRoot") is True) or context.get("runAsUser") == 0:
            problems.append("runAsNonRoot")
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append("readOnlyRootFilesystem")
        if context.get("privileged") or context.get("allowPrivilegeEscalation") is not False:
            problems.append("allowPrivilegeEscalation=false")
        violations += [f"container {name} lacks {problem}" for problem in problems]
    return violations


def _pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    return ":" in last and last.rsplit(":", 1)[1] not in ("", "latest")


def pinned_images(resource_type: str, props: Props) -> list[str]:
    """Images by exact tag or digest, never ``latest``; Helm charts by exact version."""
    if resource_type.startswith("kubernetes:") and props.get("kind") in WORKLOAD_KINDS:
        return [f"container {c.get('name', '?')} image {c.get('image')!r} is not pinned"
                for c in _containers(props) if not _pinned(str(c.get("image") or ""))]
    if resource_type == "docker-build:index:Image":
        return [f"image tag {tag!r} is not pinned" for tag in props.get("tags") or [] if not _pinned(str(tag))]
    if resource_type in ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart") and not props.get("version"):
        return ["a Helm chart must be pinned to a version"]
    return []


CHECKS: dict[str, tuple[str, Check]] = {
    "no-public-data-stores": ("Redis and DynamoDB are never reachable by the public", no_public_data_stores),
    "encryption-on": ("Data encrypted at rest with rotating keys, Redis also in transit", encryption_on),
    "recovery-in-prod": ("Production tables have point-in-time recovery and deletion protection", recovery_in_prod),
    "required-tags": (f"AWS resources carry the tags {', '.join(REQUIRED_TAGS)}", required_tags),
    "hardened-workloads": ("Workloads have probes, requests, limits, non-root, read-only root", hardened_workloads),
    "pinned-images": ("Images and charts pinned: exact tag or digest, never latest", pinned_images),
}
