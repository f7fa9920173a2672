"""An IAM role for one Kubernetes service account (IRSA), allowed only on the tables its app uses."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

TABLE_ACTIONS = (
    "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
    "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan",
    "dynamodb:UpdateItem",
)
KEY_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*")


def table_access_role(
    name: str,
    *,
    oidc_provider_arn: pulumi.Input[str],
    oidc_issuer: pulumi.Input[str],
    service_account: str,
    namespace: pulumi.Input[str],
    table_arns: Sequence[pulumi.Input[str]],
    kms_key_arn: pulumi.Input[str],
    region: str,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> aws.iam.Role:
    opts = pulumi.ResourceOptions(parent=parent)
    trust = pulumi.Output.all(oidc_provider_arn, oidc_issuer, namespace).apply(
        lambda values: _trust_policy(values[0], values[1], values[2], service_account))
    role = aws.iam.Role(f"{name}-role", assume_role_policy=trust, tags=dict(tags), opts=opts)
    policy = pulumi.Output.all(kms_key_arn, *table_arns).apply(
        lambda values: _access_policy(values[0], values[1:], region))
    aws.iam.RolePolicy(f"{name}-tables", role=role.id, policy=policy, opts=opts)
    return role


def _trust_policy(provider_arn: str, issuer: str, namespace: str, service_account: str) -> str:
    issuer = issuer.removeprefix("https://")
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                                       f"{issuer}:aud": "sts.amazonaws.com"}},
    }]})


def _access_policy(key_arn: str, table_arns: Sequence[str], region: str) -> str:
    resources = [arn for table in table_arns for arn in (table, f"{table}/index/*")]
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "OwnTables", "Effect": "Allow", "Action": list(TABLE_ACTIONS), "Resource": resources},
        {"Sid": "TableKey", "Effect": "Allow", "Action": list(KEY_ACTIONS), "Resource": key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": f"dynamodb.{region}.amazonaws.com"}}},
    ]})
