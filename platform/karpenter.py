"""Karpenter: node capacity that follows the pods, within the stack's bounds.

The controller (Helm, Pod Identity role) runs on the system node group; it launches nodes for pending pods
into the private subnets (``karpenter.sh/discovery``) with the cluster security group, and consolidates them
away when they empty. Interruption notices (Spot, rebalance, scheduled health events) reach it through an
SQS queue, so nodes are drained before they are taken. The NodePool's limits are the stack's hard ceiling.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from cnop_platform.cluster import NODE_POLICIES
from cnop_platform.helm import pinned_release
from cnop_platform.pod_identity import PodIdentity, pod_role

SERVICE_ACCOUNT = "karpenter"
INTERRUPTIONS = {
    "spot-interruption": ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
    "rebalance": ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
    "instance-state": ("aws.ec2", "EC2 Instance State-change Notification"),
    "scheduled-change": ("aws.health", "AWS Health Event"),
}


@dataclass(frozen=True, kw_only=True)
class KarpenterArgs:
    identity: PodIdentity
    """The cluster the controller's role is for."""
    cluster_name: str
    """The cluster's name: the discovery tag's value and the tag on every node."""
    security_group_id: pulumi.Input[str]
    """The cluster security group the nodes get."""
    zones: Sequence[str]
    """Zones the nodes may be launched in."""
    region: str
    """The cluster's region."""
    max_cpu: str = "32"
    """Ceiling of all Karpenter nodes' CPU together."""
    max_memory: str = "128Gi"
    """Ceiling of all Karpenter nodes' memory together."""
    capacity_types: Sequence[str] = ("on-demand",)
    """``on-demand`` and/or ``spot``."""
    instance_categories: Sequence[str] = ("c", "m", "r")
    """EC2 instance families' letters the nodes may have."""
    ami_alias: str = "al2023@v20250807"
    """Pinned EKS-optimised AMI release: nodes change only when this does (then drift replaces them)."""
    chart_version: str = "1.6.0"
    """Pinned Karpenter chart version."""
    chart: str = "oci://public.ecr.aws/karpenter/karpenter"
    """The chart's OCI address."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource, the nodes included."""


class Karpenter(pulumi.ComponentResource):

    def __init__(self, name: str, args: KarpenterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Karpenter", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        node_role = aws.iam.Role(
            f"{name}-node", tags=tags, opts=child,
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
        for index, policy_arn in enumerate(NODE_POLICIES):
            aws.iam.RolePolicyAttachment(f"{name}-node-{index}", role=node_role.name, policy_arn=policy_arn,
                                         opts=child)
        aws.eks.AccessEntry(f"{name}-node", cluster_name=args.identity.cluster_name, principal_arn=node_role.arn,
                            type="EC2_LINUX", tags=tags, opts=child)
        queue = self._interruption_queue(name, tags)
        policy = pulumi.Output.all(node_role.arn, queue.arn, args.identity.cluster_arn).apply(
            lambda values: json.dumps(controller_policy(args.cluster_name, args.region, *values)))
        role = pod_role(name, args.identity, namespace="kube-system", service_account=SERVICE_ACCOUNT,
                        policy=policy, parent=self)
        release = pinned_release(
            f"{name}-release", release="karpenter", chart=args.chart, version=args.chart_version,
            namespace="kube-system",
            values={
                "serviceAccount": {"name": SERVICE_ACCOUNT},
                "settings": {"clusterName": args.cluster_name, "interruptionQueue": queue.name},
                "controller": {"resources": {"requests": {"cpu": "250m", "memory": "512Mi"},
                                             "limits": {"cpu": "1", "memory": "512Mi"}}},
                "podDisruptionBudget": {"name": "karpenter", "maxUnavailable": 1},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role.ready]))
        after = pulumi.ResourceOptions(parent=self, depends_on=[release])
        node_class = k8s.apiextensions.CustomResource(
            f"{name}-node-class", api_version="karpenter.k8s.aws/v1", kind="EC2NodeClass",
            metadata={"name": "apps"}, spec=_node_class(args, node_role.name), opts=after)
        k8s.apiextensions.CustomResource(
            f"{name}-node-pool", api_version="karpenter.sh/v1", kind="NodePool", metadata={"name": "apps"},
            spec=_node_pool(args), opts=pulumi.ResourceOptions(parent=self, depends_on=[release, node_class]))
        self.register_outputs({})

    def _interruption_queue(self, name: str, tags: dict[str, str]) -> aws.sqs.Queue:
        child = pulumi.ResourceOptions(parent=self)
        queue = aws.sqs.Queue(f"{name}-interruptions", message_retention_seconds=300, sqs_managed_sse_enabled=True,
                              tags=tags, opts=child)
        aws.sqs.QueuePolicy(f"{name}-interruptions", queue_url=queue.url, opts=child,
                            policy=queue.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [
                                {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn,
                                 "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]}},
                                {"Effect": "Deny", "Action": "sqs:*", "Resource": arn, "Principal": "*",
                                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})))
        for rule_name, (source, detail_type) in INTERRUPTIONS.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{rule_name}", tags=tags, opts=child,
                event_pattern=json.dumps({"source": [source], "detail-type": [detail_type]}))
            aws.cloudwatch.EventTarget(f"{name}-{rule_name}", rule=rule.name, arn=queue.arn, opts=child)
        return queue


def _node_class(args: KarpenterArgs, role: pulumi.Input[str]) -> dict[str, Any]:
    return {
        "role": role,
        "amiSelectorTerms": [{"alias": args.ami_alias}],
        "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": args.cluster_name}}],
        "securityGroupSelectorTerms": [{"id": args.security_group_id}],
        # IMDSv2 only and one hop: pods get their credentials from Pod Identity, never the node's role.
        "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1},
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {
            "volumeSize": "40Gi", "volumeType": "gp3", "encrypted": True, "deleteOnTermination": True}}],
        "tags": dict(args.tags),
    }


def _node_pool(args: KarpenterArgs) -> dict[str, Any]:
    return {
        "template": {
            "metadata": {"labels": {"cnop.io/pool": "apps"}},
            "spec": {
                "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "apps"},
                "requirements": [
                    {"key": "karpenter.k8s.aws/instance-category", "operator": "In",
                     "values": list(args.instance_categories)},
                    {"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt", "values": ["5"]},
                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},  # the image's platform
                    {"key": "karpenter.sh/capacity-type", "operator": "In", "values": list(args.capacity_types)},
                    {"key": "topology.kubernetes.io/zone", "operator": "In", "values": list(args.zones)},
                ],
                "expireAfter": "720h",  # nodes are replaced at least monthly: patched AMIs reach every node
            },
        },
        "limits": {"cpu": args.max_cpu, "memory": args.max_memory},
        "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m",
                       "budgets": [{"nodes": "10%"}]},
    }


def controller_policy(cluster: str, region: str, node_role_arn: str, queue_arn: str,
                      cluster_arn: str) -> dict[str, Any]:
    """Launch and tag only nodes of this cluster; end only what it launched; pass only its node role."""
    owned = f"kubernetes.io/cluster/{cluster}"
    ec2 = f"arn:aws:ec2:{region}:*"
    launched = [f"{ec2}:fleet/*", f"{ec2}:instance/*", f"{ec2}:volume/*", f"{ec2}:network-interface/*",
                f"{ec2}:launch-template/*", f"{ec2}:spot-instances-request/*"]
    tagged_request = {"StringEquals": {f"aws:RequestTag/{owned}": "owned"},
                      "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"}}
    tagged_resource = {"StringEquals": {f"aws:ResourceTag/{owned}": "owned"},
                       "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"}}
    profiles = "arn:aws:iam::*:instance-profile/*"

    def allow(sid: str, actions: list[str], resource: str | list[str], condition: dict[str, Any] | None = None,
              ) -> dict[str, Any]:
        statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}
        return {**statement, "Condition": condition} if condition else statement

    return {"Version": "2012-10-17", "Statement": [
        allow("LaunchFromDiscoveredParts", ["ec2:RunInstances", "ec2:CreateFleet"],
              [f"arn:aws:ec2:{region}::image/*", f"arn:aws:ec2:{region}::snapshot/*", f"{ec2}:security-group/*",
               f"{ec2}:subnet/*", f"{ec2}:capacity-reservation/*"]),
        allow("LaunchOwned", ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"], launched,
              tagged_request),
        allow("TagOnLaunch", ["ec2:CreateTags"], launched,
              {**tagged_request, "StringEqualsIfExists": {"ec2:CreateAction": [
                  "RunInstances", "CreateFleet", "CreateLaunchTemplate"]}}),
        allow("TagOwnedInstances", ["ec2:CreateTags"], f"{ec2}:instance/*", tagged_resource),
        allow("EndOwned", ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
              [f"{ec2}:instance/*", f"{ec2}:launch-template/*"], tagged_resource),
        allow("Discover", [f"ec2:Describe{what}" for what in (
            "AvailabilityZones", "Images", "Instances", "InstanceTypeOfferings", "InstanceTypes",
            "LaunchTemplates", "SecurityGroups", "SpotPriceHistory", "Subnets", "CapacityReservations")]
              + ["pricing:GetProducts"], "*"),
        allow("AmiParameters", ["ssm:GetParameter"], f"arn:aws:ssm:{region}::parameter/aws/service/*"),
        allow("PassNodeRole", ["iam:PassRole"], node_role_arn,
              {"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com"]}}),
        allow("CreateOwnedProfiles", ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"], profiles,
              {"StringEquals": {f"aws:RequestTag/{owned}": "owned", "aws:RequestTag/topology.kubernetes.io/region":
                                region},
               "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"}}),
        allow("ManageOwnedProfiles", ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile",
                                      "iam:DeleteInstanceProfile", "iam:TagInstanceProfile"], profiles,
              {"StringEquals": {f"aws:ResourceTag/{owned}": "owned",
                                "aws:ResourceTag/topology.kubernetes.io/region": region},
               "StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"}}),
        allow("ReadProfiles", ["iam:GetInstanceProfile", "iam:ListInstanceProfiles"], "*"),
        allow("Interruptions", ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], queue_arn),
        allow("ClusterEndpoint", ["eks:DescribeCluster"], cluster_arn),
    ]}
