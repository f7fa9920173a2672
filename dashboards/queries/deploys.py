"""Deploys as the dashboards see them: the last one, and an annotation at each."""

from __future__ import annotations

from dashboards.config import CONFIG
from dashboards.deploys import DEPLOY_SERIES
from dashboards.promql import ENVIRONMENT, Query, series

ANNOTATION_SECONDS = 120
"""How long after a deploy its annotation lasts: long enough for any dashboard step to catch it."""


def _deploys() -> str:
    return f"max by ({CONFIG.environment_label}, version) ({series(DEPLOY_SERIES, ENVIRONMENT)})"


def last_deploy() -> Query:
    """The newest deploy's time in milliseconds (Grafana's date units), named by its version."""
    return Query(f"topk(1, {_deploys()}) * 1000", "{{version}}")


def deploy_annotation() -> str:
    """Non-empty for ``ANNOTATION_SECONDS`` after each deploy: Grafana draws one region per deploy."""
    return f"{_deploys()} > time() - {ANNOTATION_SECONDS}"
