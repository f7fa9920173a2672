"""Cluster: EKS through pulumi-eks, a fixed-size managed node group, an OIDC provider for service-account roles."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s
from cnop_platform.namespace import app_namespace

NODE_POLICIES = (
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
)


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    vpc_id: pulumi.Input[str]
    """The VPC the cluster lives in."""
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of the nodes and internal load balancers."""
    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of internet-facing load balancers."""
    kubernetes_version: pulumi.Input[str]
    """EKS control-plane and node version, e.g. ``1.33``."""
    node_count: int = 2
    """Nodes of the managed group: fixed, no autoscaler (min = max = desired)."""
    instance_type: pulumi.Input[str] = "t3.large"
    """EC2 instance type of the nodes."""
    api_allowed_cidrs: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Who may reach the public Kubernetes API endpoint."""
    namespace: str
    """The apps' namespace, created with the restricted pod-security level."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource."""


class Cluster(pulumi.ComponentResource):
    provider: k8s.Provider
    kubeconfig: pulumi.Output[str]
    """A kubeconfig for the cluster: a secret."""
    namespace: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str] | None
    oidc_issuer: pulumi.Output[str] | None

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Cluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.node_count < 1:
            raise ValueError("a cluster needs at least one node")
        tags = dict(args.tags)
        node_role = aws.iam.Role(
            f"{name}-node", tags=tags, opts=child,
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        )
        for index, policy_arn in enumerate(NODE_POLICIES):
            aws.iam.RolePolicyAttachment(f"{name}-node-{index}", role=node_role.name, policy_arn=policy_arn,
                                         opts=child)
        secrets_key = aws.kms.Key(f"{name}-secrets", description=f"{name}: Kubernetes secrets envelope encryption",
                                  enable_key_rotation=True, tags=tags, opts=child)
        cluster = eks.Cluster(
            f"{name}-eks",
            vpc_id=args.vpc_id,
            private_subnet_ids=args.private_subnet_ids,
            public_subnet_ids=args.public_subnet_ids,
            node_associate_public_ip_address=False,
            version=args.kubernetes_version,
            authentication_mode=eks.AuthenticationMode.API,
            skip_default_node_group=True,
            create_oidc_provider=True,
            encryption_config_key_arn=secrets_key.arn,
            endpoint_private_access=True,
            endpoint_public_access=True,
            public_access_cidrs=args.api_allowed_cidrs,
            enabled_cluster_log_types=["api", "audit", "authenticator"],
            tags=tags,
            opts=child,
        )
        nodes = eks.ManagedNodeGroup(
            f"{name}-nodes",
            cluster=cluster,
            node_role=node_role,
            subnet_ids=args.private_subnet_ids,
            instance_types=[args.instance_type],
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=args.node_count, max_size=args.node_count, desired_size=args.node_count),
            tags=tags,
            opts=child,
        )
        self.kubeconfig = pulumi.Output.secret(cluster.kubeconfig_json)
        # Everything deployed through the provider waits for the provider, which waits for nodes to run on.
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.kubeconfig, enable_server_side_apply=True,
                                     opts=pulumi.ResourceOptions(parent=self, depends_on=[nodes]))
        self.namespace = app_namespace(name, args.namespace, self.provider, self)
        self.oidc_provider_arn = cluster.oidc_provider_arn
        self.oidc_issuer = cluster.oidc_issuer
        self.register_outputs({"kubeconfig": self.kubeconfig, "namespace": self.namespace,
                               "oidc_provider_arn": self.oidc_provider_arn})
