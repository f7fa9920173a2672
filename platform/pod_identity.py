"""EKS Pod Identity: an IAM role for one Kubernetes service account, and its association.

One mechanism for every workload that calls AWS (the apps, the load balancer controller, Karpenter, the EBS
CSI driver), as the EKS Best Practices Guide recommends for new clusters: no OIDC provider, a trust policy
that names the EKS service and this cluster only (``aws:SourceArn``, against confused deputies), and the
association kept in the EKS API rather than in a ServiceAccount annotation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

TABLE_ACTIONS = (
    "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
    "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan",
    "dynamodb:UpdateItem",
)
KEY_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*")


@dataclass(frozen=True, kw_only=True)
class PodIdentity:
    """Where a pod's role can be assumed from: the cluster (its name once it exists, and its ARN)."""

    cluster_name: pulumi.Input[str]
    """The EKS cluster's name, as an output that depends on the cluster."""
    cluster_arn: pulumi.Input[str]
    """The cluster's ARN: the only ``aws:SourceArn`` the roles trust."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every role and association."""


@dataclass(frozen=True)
class PodRole:
    role: aws.iam.Role
    ready: pulumi.Resource
    """What pods must wait for: the association (credentials are injected when a pod is admitted)."""


def pod_role(
    name: str,
    identity: PodIdentity,
    *,
    namespace: pulumi.Input[str],
    service_account: pulumi.Input[str],
    parent: pulumi.Resource,
    policy: pulumi.Input[str] | None = None,
    managed_policy_arns: Sequence[str] = (),
    associate: bool = True,
) -> PodRole:
    """A role that only pods of ``namespace/service_account`` in this cluster get; ``associate=False`` when an
    EKS add-on makes the association itself."""
    opts = pulumi.ResourceOptions(parent=parent)
    trust = pulumi.Output.from_input(identity.cluster_arn).apply(_trust_policy)
    role = aws.iam.Role(f"{name}-role", assume_role_policy=trust, tags=dict(identity.tags), opts=opts)
    if policy is not None:
        aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=policy, opts=opts)
    for index, arn in enumerate(managed_policy_arns):
        aws.iam.RolePolicyAttachment(f"{name}-managed-{index}", role=role.name, policy_arn=arn, opts=opts)
    if not associate:
        return PodRole(role, role)
    association = aws.eks.PodIdentityAssociation(
        f"{name}-identity", cluster_name=identity.cluster_name, namespace=namespace,
        service_account=service_account, role_arn=role.arn, tags=dict(identity.tags), opts=opts)
    return PodRole(role, association)


def _trust_policy(cluster_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "pods.eks.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"ArnEquals": {"aws:SourceArn": cluster_arn}},
    }]})


def table_access_policy(key_arn: str, table_arns: Sequence[str], region: str) -> str:
    """The apps' own tables (and their indexes) and the tables' key through DynamoDB only."""
    resources = [arn for table in table_arns for arn in (table, f"{table}/index/*")]
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "OwnTables", "Effect": "Allow", "Action": list(TABLE_ACTIONS), "Resource": resources},
        {"Sid": "TableKey", "Effect": "Allow", "Action": list(KEY_ACTIONS), "Resource": key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": f"dynamodb.{region}.amazonaws.com"}}},
    ]})
