"""ClusterAddons: the EKS add-ons the platform relies on beyond those pulumi-eks manages (VPC CNI, CoreDNS,
kube-proxy): the EBS CSI driver with its Pod Identity role, and an encrypted gp3 StorageClass as the default."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from cnop_platform.pod_identity import PodIdentity, pod_role

EBS_CSI_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
EBS_CSI_ACCOUNT = "ebs-csi-controller-sa"


@dataclass(frozen=True, kw_only=True)
class ClusterAddonsArgs:
    identity: PodIdentity
    """The cluster the add-ons' roles are for."""
    provider: k8s.Provider
    """The cluster's Kubernetes provider (for the StorageClass)."""
    storage_class: str = "gp3"
    """Name of the default StorageClass."""


class ClusterAddons(pulumi.ComponentResource):
    storage_class: pulumi.Output[str]

    def __init__(self, name: str, args: ClusterAddonsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:ClusterAddons", name, None, opts)
        identity = args.identity
        role = pod_role(f"{name}-ebs-csi", identity, namespace="kube-system", service_account=EBS_CSI_ACCOUNT,
                        managed_policy_arns=[EBS_CSI_POLICY], associate=False, parent=self)
        driver = aws.eks.Addon(
            f"{name}-ebs-csi", cluster_name=identity.cluster_name, addon_name="aws-ebs-csi-driver",
            pod_identity_associations=[aws.eks.AddonPodIdentityAssociationArgs(
                role_arn=role.role.arn, service_account=EBS_CSI_ACCOUNT)],
            resolve_conflicts_on_update="OVERWRITE", tags=dict(identity.tags),
            opts=pulumi.ResourceOptions(parent=self))
        storage = k8s.storage.v1.StorageClass(
            f"{name}-{args.storage_class}",
            metadata={"name": args.storage_class,
                      "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true"},
            volume_binding_mode="WaitForFirstConsumer",  # the volume is made in the zone the pod lands in
            allow_volume_expansion=True,
            reclaim_policy="Delete",
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[driver]),
        )
        self.storage_class = storage.metadata.name
        self.register_outputs({"storage_class": self.storage_class})
