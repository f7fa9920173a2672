"""Cluster: EKS through pulumi-eks, with who may administer it, a small fixed "system" node group (the
add-ons and Karpenter run there; Karpenter adds the nodes the apps need), VPC CNI network policies enforced
and the EKS Pod Identity agent."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s
from cnop_platform.namespace import app_namespace
from cnop_platform.pod_identity import PodIdentity

NODE_POLICIES = (
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
)
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    cluster_name: str
    """The EKS cluster's name (Karpenter's discovery tag and the load balancer controller use it)."""
    vpc_id: pulumi.Input[str]
    """The VPC the cluster lives in."""
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of the nodes and internal load balancers."""
    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of internet-facing load balancers."""
    kubernetes_version: pulumi.Input[str]
    """EKS control-plane and node version, e.g. ``1.33``."""
    region: str
    """The cluster's region (its ARN)."""
    node_count: int = 2
    """Nodes of the system group (fixed: min = max = desired); the apps' nodes come from Karpenter."""
    instance_type: pulumi.Input[str] = "t3.large"
    """EC2 instance type of the system nodes."""
    api_allowed_cidrs: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Who may reach the public Kubernetes API endpoint."""
    admin_roles: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """IAM roles given cluster-admin access entries, by purpose (``operators``, ``ci``), beside the creator."""
    namespace: str
    """The apps' namespace, created with the restricted pod-security level."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource."""


class Cluster(pulumi.ComponentResource):
    provider: k8s.Provider
    kubeconfig: pulumi.Output[str]
    """A kubeconfig for the cluster: a secret."""
    namespace: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    """The cluster's name, as an output that waits for the cluster."""
    security_group_id: pulumi.Output[str]
    """The EKS-created cluster security group: on the control plane, every node and so every pod."""
    identity: PodIdentity
    """What pod roles need to trust this cluster."""

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
            name=args.cluster_name,
            vpc_id=args.vpc_id,
            private_subnet_ids=args.private_subnet_ids,
            public_subnet_ids=args.public_subnet_ids,
            node_associate_public_ip_address=False,
            version=args.kubernetes_version,
            authentication_mode=eks.AuthenticationMode.API,
            access_entries={purpose: eks.AccessEntryArgs(
                principal_arn=arn, tags=tags,
                access_policies={"admin": eks.AccessPolicyAssociationArgs(
                    policy_arn=ADMIN_POLICY, access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(
                        type="cluster"))})
                for purpose, arn in sorted(args.admin_roles.items())},
            skip_default_node_group=True,
            # Managed and Karpenter nodes carry the EKS-created cluster security group: one group to admit.
            skip_default_security_groups=True,
            create_oidc_provider=False,  # EKS Pod Identity instead of IRSA, for every workload
            vpc_cni_options=eks.VpcCniOptionsArgs(enable_network_policy=True),
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
            labels={"cnop.io/pool": "system"},
            tags=tags,
            opts=child,
        )
        self.cluster_name = cluster.urn.apply(lambda _: args.cluster_name)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        self.identity = PodIdentity(
            cluster_name=self.cluster_name, tags=tags,
            cluster_arn=pulumi.Output.format("arn:aws:eks:{0}:{1}:cluster/{2}", args.region, account,
                                             self.cluster_name))
        aws.eks.Addon(f"{name}-pod-identity-agent", cluster_name=self.cluster_name,
                      addon_name="eks-pod-identity-agent", resolve_conflicts_on_update="OVERWRITE", tags=tags,
                      opts=child)
        self.security_group_id = cluster.cluster_security_group_id
        self.kubeconfig = pulumi.Output.secret(cluster.kubeconfig_json)
        # Everything deployed through the provider waits for the provider, which waits for nodes to run on.
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.kubeconfig, enable_server_side_apply=True,
                                     opts=pulumi.ResourceOptions(parent=self, depends_on=[nodes]))
        self.namespace = app_namespace(name, args.namespace, self.provider, self, load_balancer_readiness=True)
        self.register_outputs({"kubeconfig": self.kubeconfig, "namespace": self.namespace,
                               "cluster_name": self.cluster_name, "security_group_id": self.security_group_id})
