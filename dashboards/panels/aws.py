"""AWS-side panels of the dependencies dashboard: what CloudWatch says of the tables, Redis and the load balancer,
which the apps cannot see themselves (throttling, eviction by ElastiCache, 5xx answered by the ALB)."""

from __future__ import annotations

from grafana_foundation_sdk.builders import timeseries

from dashboards.config import CONFIG
from dashboards.panels.common import graph
from dashboards.queries import aws

ON_AWS = "AWS's CloudWatch metrics through YACE, in clusters on AWS only"


def dynamodb_throttles() -> timeseries.Panel:
    return graph("DynamoDB throttled requests", "Requests DynamoDB throttled per minute, by table.", "short",
                 [aws.dynamodb_throttled_requests()], cluster_only=ON_AWS, event_only="DynamoDB throttles a request")


def dynamodb_capacity() -> timeseries.Panel:
    return graph("DynamoDB consumed capacity", "Read and write capacity units consumed per second, by table.",
                 "short", [aws.dynamodb_consumed_read_capacity(), aws.dynamodb_consumed_write_capacity()],
                 cluster_only=ON_AWS)


def elasticache_memory() -> timeseries.Panel:
    limit = CONFIG.thresholds.redis_memory_ratio * 100
    return graph("ElastiCache memory", f"Share of maxmemory in use per node, as ElastiCache reports it; Redis refuses "
                 f"writes at 100 % (noeviction) and the memory alert fires above {limit:g} %.", "percent",
                 [aws.elasticache_memory_percent()], cluster_only=ON_AWS, limit=limit)


def elasticache_evictions() -> timeseries.Panel:
    return graph("ElastiCache evictions", "Keys ElastiCache evicted per minute, by node; with noeviction, any "
                 "eviction means the parameter group is not the platform's.", "short",
                 [aws.elasticache_evictions()], cluster_only=ON_AWS, limit=0)


def load_balancer_5xx() -> timeseries.Panel:
    return graph("Load balancer 5xx", "5xx answers per second: relayed from the gateway's pods, and made by the ALB "
                 "itself (no healthy target, a target's time-out).", "reqps",
                 [aws.load_balancer_5xx_from_targets(), aws.load_balancer_5xx_of_its_own()], cluster_only=ON_AWS)


def target_health() -> timeseries.Panel:
    return graph("Load balancer targets", "The gateway's pods the ALB sees healthy and unhealthy.", "none",
                 [aws.healthy_targets(), aws.unhealthy_targets()], cluster_only=ON_AWS)
