"""AWS's own view of the tables, Redis and the load balancer: CloudWatch metrics as YACE exports them (job
``cloudwatch``, clusters on AWS only). YACE names a series ``aws_<namespace>_<metric>_<statistic>`` and each
CloudWatch dimension ``dimension_<Name>``; every value is the statistic over one CloudWatch period (60 s), a
gauge, never a counter to ``rate()``."""

from __future__ import annotations

from dashboards.config import CONFIG
from dashboards.promql import ENVIRONMENT, Query, series, sum_by

TABLE = ("dimension_TableName",)
CACHE_NODE = ("dimension_CacheClusterId",)
TARGET_GROUP = ("dimension_TargetGroup",)
PERIOD_SECONDS = 60
"""The CloudWatch period YACE asks for (``platform/aws_signals.py``): a period's sum over it is a rate."""


def _cloudwatch(metric: str) -> str:
    return series(metric, CONFIG.selectors.cloudwatch, ENVIRONMENT)


def dynamodb_throttled_requests() -> Query:
    """DynamoDB publishes this only while it throttles: a throttled request is one the apps see fail."""
    return Query(sum_by(TABLE, _cloudwatch("aws_dynamodb_throttled_requests_sum")), "{{dimension_TableName}}")


def dynamodb_consumed_read_capacity() -> Query:
    consumed = _cloudwatch("aws_dynamodb_consumed_read_capacity_units_sum")
    return Query(f"{sum_by(TABLE, consumed)} / {PERIOD_SECONDS}", "read {{dimension_TableName}}")


def dynamodb_consumed_write_capacity() -> Query:
    consumed = _cloudwatch("aws_dynamodb_consumed_write_capacity_units_sum")
    return Query(f"{sum_by(TABLE, consumed)} / {PERIOD_SECONDS}", "write {{dimension_TableName}}")


def elasticache_memory_percent() -> Query:
    used = _cloudwatch("aws_elasticache_database_memory_usage_percentage_maximum")
    return Query(f"max by ({CACHE_NODE[0]}) ({used})", "{{dimension_CacheClusterId}}")


def elasticache_evictions() -> Query:
    return Query(sum_by(CACHE_NODE, _cloudwatch("aws_elasticache_evictions_sum")), "{{dimension_CacheClusterId}}")


def load_balancer_5xx_from_targets() -> Query:
    return Query(f"sum({_cloudwatch('aws_applicationelb_httpcode_target_5_xx_count_sum')}) / {PERIOD_SECONDS}",
                 "from the gateway's pods")


def load_balancer_5xx_of_its_own() -> Query:
    return Query(f"sum({_cloudwatch('aws_applicationelb_httpcode_elb_5_xx_count_sum')}) / {PERIOD_SECONDS}",
                 "from the load balancer itself")


def healthy_targets() -> Query:
    healthy = _cloudwatch("aws_applicationelb_healthy_host_count_minimum")
    return Query(f"min by ({TARGET_GROUP[0]}) ({healthy})", "healthy")


def unhealthy_targets() -> Query:
    unhealthy = _cloudwatch("aws_applicationelb_un_healthy_host_count_maximum")
    return Query(f"max by ({TARGET_GROUP[0]}) ({unhealthy})", "unhealthy")
