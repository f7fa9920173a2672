"""Dependencies: DynamoDB and Redis as the apps see them, the price feed that fills Redis, and AWS's own view of
the tables, Redis and the load balancer (clusters on AWS)."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard

from dashboards.boards.common import board
from dashboards.panels import aws
from dashboards.panels import dependencies as p

UID = "cnop-dependencies"


def build() -> dashboard.Dashboard:
    built = board(UID, "CNOP / Dependencies",
                  "DynamoDB and Redis latency and errors by operation; the Redis server; price-feed age; "
                  "AWS's view of the tables, ElastiCache and the load balancer (clusters on AWS).")
    for dependency in ("dynamodb", "redis"):
        built = (
            built.with_row(dashboard.Row(p.NAMES[dependency]))
            .with_panel(p.latency(dependency).span(8))
            .with_panel(p.calls(dependency).span(8))
            .with_panel(p.errors(dependency).span(8))
        )
    return (
        built.with_row(dashboard.Row("Redis server"))
        .with_panel(p.redis_memory().span(6))
        .with_panel(p.redis_evictions().span(6))
        .with_panel(p.redis_clients().span(6))
        .with_panel(p.redis_commands().span(6))
        .with_row(dashboard.Row("Price feed"))
        .with_panel(p.price_feed_age().span(4).height(8))
        .with_panel(p.price_feed_leaders().span(4).height(8))
        .with_panel(p.price_feed_age_over_time().span(8))
        .with_panel(p.price_feed_ticks().span(8))
        .with_row(dashboard.Row("AWS (CloudWatch, clusters on AWS)"))
        .with_panel(aws.dynamodb_throttles().span(6))
        .with_panel(aws.dynamodb_capacity().span(6))
        .with_panel(aws.elasticache_memory().span(6))
        .with_panel(aws.elasticache_evictions().span(6))
        .with_panel(aws.load_balancer_5xx().span(6))
        .with_panel(aws.target_health().span(6))
    )
