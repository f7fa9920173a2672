"""LoadBalancerController: the AWS Load Balancer Controller (Helm) with its Pod Identity role.

It turns the gateway's Ingress into an ALB (HTTPS with the stack's certificate, IP targets, optional WAF),
replacing the in-tree Classic ELB that ``type: LoadBalancer`` gave. Its permissions follow the controller's
documented policy: read what it must discover, and change only what carries its cluster tag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from cnop_platform.helm import pinned_release
from cnop_platform.pod_identity import PodIdentity, pod_role

SERVICE_ACCOUNT = "aws-load-balancer-controller"
CLUSTER_TAGS = ("elbv2.k8s.aws/cluster", "ingress.k8s.aws/cluster", "service.k8s.aws/cluster")


@dataclass(frozen=True, kw_only=True)
class LoadBalancerControllerArgs:
    identity: PodIdentity
    """The cluster the controller's role is for."""
    cluster_name: str
    """The EKS cluster's name, as the controller tags what it creates."""
    vpc_id: pulumi.Input[str]
    """The cluster's VPC (so the controller need not ask the instance metadata service)."""
    region: str
    """The cluster's region."""
    chart_version: str = "1.14.0"
    """Pinned aws-load-balancer-controller chart version (controller v2.14.0)."""
    chart_repository: str = "https://aws.github.io/eks-charts"
    """Helm repository of the chart."""


class LoadBalancerController(pulumi.ComponentResource):
    release: k8s.helm.v3.Release
    """What Ingresses wait for: the controller's webhook must run before they are created."""

    def __init__(self, name: str, args: LoadBalancerControllerArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:LoadBalancerController", name, None, opts)
        role = pod_role(name, args.identity, namespace="kube-system", service_account=SERVICE_ACCOUNT,
                        policy=json.dumps(controller_policy()), parent=self)
        self.release = pinned_release(
            f"{name}-release", release="aws-load-balancer-controller", chart="aws-load-balancer-controller",
            version=args.chart_version, namespace="kube-system",
            repository=args.chart_repository,
            values={
                "clusterName": args.cluster_name, "region": args.region, "vpcId": args.vpc_id,
                "replicaCount": 2,
                "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
                "podDisruptionBudget": {"maxUnavailable": 1},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role.ready]))
        self.register_outputs({})


def _statement(actions: list[str], resource: str = "*", condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def controller_policy() -> dict[str, Any]:
    """Discovery everywhere; creation only with the cluster tag; change and deletion only of what has it."""
    owned = {"Null": {f"aws:ResourceTag/{CLUSTER_TAGS[1]}": "false"}}
    owned_service = {"Null": {f"aws:ResourceTag/{CLUSTER_TAGS[2]}": "false"}}
    elb = "elasticloadbalancing"
    balancers = f"arn:aws:{elb}:*:*:loadbalancer/*"
    return {"Version": "2012-10-17", "Statement": [
        _statement(["iam:CreateServiceLinkedRole"],
                   condition={"StringEquals": {"iam:AWSServiceName": f"{elb}.amazonaws.com"}}),
        _statement([f"ec2:{action}" for action in (
            "DescribeAccountAttributes", "DescribeAddresses", "DescribeAvailabilityZones", "DescribeInternetGateways",
            "DescribeVpcs", "DescribeVpcPeeringConnections", "DescribeSubnets", "DescribeSecurityGroups",
            "DescribeInstances", "DescribeNetworkInterfaces", "DescribeTags", "DescribeRouteTables",
            "DescribeCoipPools", "DescribeIpamPools", "GetCoipPoolUsage", "GetSecurityGroupsForVpc")]
                   + [f"{elb}:Describe{what}" for what in (
                       "LoadBalancers", "LoadBalancerAttributes", "Listeners", "ListenerCertificates", "SSLPolicies",
                       "Rules", "TargetGroups", "TargetGroupAttributes", "TargetHealth", "Tags", "TrustStores",
                       "ListenerAttributes", "CapacityReservation")]),
        _statement(["cognito-idp:DescribeUserPoolClient", "acm:ListCertificates", "acm:DescribeCertificate",
                    "iam:ListServerCertificates", "iam:GetServerCertificate", "wafv2:GetWebACL",
                    "wafv2:GetWebACLForResource", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
                    "shield:GetSubscriptionState", "shield:DescribeProtection", "shield:CreateProtection",
                    "shield:DeleteProtection"]),
        _statement(["ec2:CreateSecurityGroup"]),
        _statement(["ec2:CreateTags"], condition={"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"},
                                                  "Null": {f"aws:RequestTag/{CLUSTER_TAGS[1]}": "false"}}),
        _statement(["ec2:CreateTags", "ec2:DeleteTags", "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"], condition=owned),
        # The nodes' security group gets rules for the targets; it carries no tag of the controller's.
        _statement(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"]),
        _statement([f"{elb}:CreateLoadBalancer", f"{elb}:CreateTargetGroup"],
                   condition={"Null": {f"aws:RequestTag/{CLUSTER_TAGS[1]}": "false"}}),
        _statement([f"{elb}:CreateLoadBalancer", f"{elb}:CreateTargetGroup"],
                   condition={"Null": {f"aws:RequestTag/{CLUSTER_TAGS[2]}": "false"}}),
        _statement([f"{elb}:CreateListener", f"{elb}:DeleteListener", f"{elb}:CreateRule", f"{elb}:DeleteRule"]),
        _statement([f"{elb}:AddTags", f"{elb}:RemoveTags"], resource=balancers, condition=owned),
        _statement([f"{elb}:AddTags", f"{elb}:RemoveTags"], resource=balancers, condition=owned_service),
        _statement([f"{elb}:AddTags", f"{elb}:RemoveTags"],
                   resource=f"arn:aws:{elb}:*:*:targetgroup/*/*"),
        _statement([f"{elb}:AddTags"], resource=f"arn:aws:{elb}:*:*:listener*/*",
                   condition={"StringEquals": {f"{elb}:CreateAction": ["CreateListener", "CreateRule"]}}),
        _statement([f"{elb}:{action}" for action in (
            "ModifyLoadBalancerAttributes", "SetIpAddressType", "SetSecurityGroups", "SetSubnets",
            "DeleteLoadBalancer", "ModifyTargetGroup", "ModifyTargetGroupAttributes", "DeleteTargetGroup",
            "ModifyListenerAttributes", "ModifyCapacityReservation", "ModifyIpPools")], condition=owned),
        _statement([f"{elb}:{action}" for action in (
            "ModifyLoadBalancerAttributes", "SetIpAddressType", "SetSecurityGroups", "SetSubnets",
            "DeleteLoadBalancer", "ModifyTargetGroup", "ModifyTargetGroupAttributes", "DeleteTargetGroup",
            "ModifyListenerAttributes", "ModifyCapacityReservation", "ModifyIpPools")], condition=owned_service),
        _statement([f"{elb}:RegisterTargets", f"{elb}:DeregisterTargets"],
                   resource=f"arn:aws:{elb}:*:*:targetgroup/*/*"),
        _statement([f"{elb}:SetWebAcl", f"{elb}:ModifyListener", f"{elb}:AddListenerCertificates",
                    f"{elb}:RemoveListenerCertificates", f"{elb}:ModifyRule", f"{elb}:SetRulePriorities"]),
    ]}
