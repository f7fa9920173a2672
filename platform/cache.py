"""Cache: an ElastiCache Redis replication group, private (the cluster's security group only), TLS-only,
password-protected, encrypted with its own key, never evicting, and alarmed on memory."""

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
    client_security_group_ids: Sequence[pulumi.Input[str]]
    """The only security groups allowed to connect (the cluster's: its nodes and so its pods)."""
    node_type: pulumi.Input[str] = "cache.t4g.small"
    """ElastiCache node type."""
    engine_version: pulumi.Input[str] = "7.1"
    """Redis engine version."""
    parameter_family: str = "redis7"
    """Parameter group family matching ``engine_version``."""
    multi_az: bool = False
    """A replica in another zone with automatic failover."""
    snapshot_retention_days: pulumi.Input[int] = 0
    """Daily snapshots kept; 0 keeps none."""
    memory_alarm_percent: int = 80
    """Alarm when a node's used memory passes this share of its maxmemory: with noeviction, writes fail at 100."""
    alarm_topic_arn: pulumi.Input[str] | None = None
    """Where the alarm notifies; None leaves it visible in CloudWatch only."""
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
        key = aws.kms.Key(f"{name}-key", description=f"{name}: Redis at rest and its snapshots",
                          enable_key_rotation=True, tags=tags, opts=child)
        subnets = aws.elasticache.SubnetGroup(f"{name}-subnets", subnet_ids=args.subnet_ids,
                                              description=f"{name}: private subnets", tags=tags, opts=child)
        firewall = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"{name}: Redis from the cluster's nodes and pods only",
            tags=tags, opts=child,
            ingress=[aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=REDIS_PORT, to_port=REDIS_PORT,
                                                      security_groups=list(args.client_security_group_ids),
                                                      description="Redis over TLS from the cluster")],
        )
        # Revocations and locks live in Redis: under memory pressure it must refuse writes, never forget a key.
        parameters = aws.elasticache.ParameterGroup(
            f"{name}-params", family=args.parameter_family, description=f"{name}: noeviction", tags=tags,
            parameters=[aws.elasticache.ParameterGroupParameterArgs(name="maxmemory-policy", value="noeviction")],
            opts=child)
        members = 2 if args.multi_az else 1
        group = aws.elasticache.ReplicationGroup(
            f"{name}-redis",
            description=f"{name}: rate limits, locks, revocations, prices",
            engine="redis",
            engine_version=args.engine_version,
            node_type=args.node_type,
            port=REDIS_PORT,
            parameter_group_name=parameters.name,
            num_cache_clusters=members,
            automatic_failover_enabled=args.multi_az,
            multi_az_enabled=args.multi_az,
            transit_encryption_enabled=True,
            at_rest_encryption_enabled=True,
            kms_key_id=key.arn,
            auth_token=token.result,
            subnet_group_name=subnets.name,
            security_group_ids=[firewall.id],
            snapshot_retention_limit=args.snapshot_retention_days,
            auto_minor_version_upgrade=True,
            tags=tags,
            opts=child,
        )
        actions = [args.alarm_topic_arn] if args.alarm_topic_arn is not None else []
        for member in range(1, members + 1):
            aws.cloudwatch.MetricAlarm(
                f"{name}-memory-{member}", namespace="AWS/ElastiCache", metric_name="DatabaseMemoryUsagePercentage",
                dimensions={"CacheClusterId": pulumi.Output.format("{0}-{1:03d}", group.id, member)},
                statistic="Maximum", period=60, evaluation_periods=5, threshold=args.memory_alarm_percent,
                comparison_operator="GreaterThanOrEqualToThreshold", treat_missing_data="breaching",
                alarm_description=f"{name}: Redis memory >= {args.memory_alarm_percent}% of maxmemory; at 100% "
                                  "(noeviction) every write fails: rate limits, locks and logouts",
                alarm_actions=actions, ok_actions=actions, tags=tags, opts=child)
        self.primary_endpoint = group.primary_endpoint_address
        self.redis_url = pulumi.Output.secret(pulumi.Output.format(
            "rediss://:{0}@{1}:{2}/0", token.result, group.primary_endpoint_address, REDIS_PORT))
        self.register_outputs({"redis_url": self.redis_url, "primary_endpoint": self.primary_endpoint})
