"""Cache: an ElastiCache Redis replication group, private, TLS-only and password-protected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_random as random

REDIS_PORT = 6379


@dataclass(frozen=True, kw_only=True)
class CacheArgs:
    vpc_id: pulumi.Input[str]
    """The VPC of the cluster's nodes."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Private subnets the cache nodes are placed in."""
    client_cidr_blocks: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The only address ranges allowed to connect (the VPC's own)."""
    node_type: pulumi.Input[str] = "cache.t4g.small"
    """ElastiCache node type."""
    engine_version: pulumi.Input[str] = "7.1"
    """Redis engine version."""
    multi_az: bool = False
    """A replica in another zone with automatic failover."""
    snapshot_retention_days: pulumi.Input[int] = 0
    """Daily snapshots kept; 0 keeps none."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource."""


class Cache(pulumi.ComponentResource):
    redis_url: pulumi.Output[str]
    """``rediss://`` URL carrying the auth token: a secret."""
    primary_endpoint: pulumi.Output[str]

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Cache", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        # ElastiCache auth tokens allow only printable characters other than /, " and @: alphanumerics are safe.
        token = random.RandomPassword(f"{name}-auth-token", length=64, special=False, opts=child)
        subnets = aws.elasticache.SubnetGroup(f"{name}-subnets", subnet_ids=args.subnet_ids,
                                              description=f"{name}: private subnets", tags=tags, opts=child)
        firewall = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"{name}: Redis from inside the VPC only", tags=tags,
            ingress=[aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=REDIS_PORT, to_port=REDIS_PORT,
                                                      cidr_blocks=args.client_cidr_blocks,
                                                      description="Redis over TLS from the VPC")],
            opts=child,
        )
        group = aws.elasticache.ReplicationGroup(
            f"{name}-redis",
            description=f"{name}: rate limits, locks, revocations, prices",
            engine="redis",
            engine_version=args.engine_version,
            node_type=args.node_type,
            port=REDIS_PORT,
            num_cache_clusters=2 if args.multi_az else 1,
            automatic_failover_enabled=args.multi_az,
            multi_az_enabled=args.multi_az,
            transit_encryption_enabled=True,
            at_rest_encryption_enabled=True,
            auth_token=token.result,
            subnet_group_name=subnets.name,
            security_group_ids=[firewall.id],
            snapshot_retention_limit=args.snapshot_retention_days,
            auto_minor_version_upgrade=True,
            tags=tags,
            opts=child,
        )
        self.primary_endpoint = group.primary_endpoint_address
        self.redis_url = pulumi.Output.secret(pulumi.Output.format(
            "rediss://:{0}@{1}:{2}/0", token.result, group.primary_endpoint_address, REDIS_PORT))
        self.register_outputs({"redis_url": self.redis_url, "primary_endpoint": self.primary_endpoint})
