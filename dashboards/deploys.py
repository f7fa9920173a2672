"""Deploy markers: each deploy (``make up``, ``pulumi up``) gives Prometheus one recording rule, the series
``cnop_deploy_timestamp_seconds{version, environment}`` (the deploy's Unix time), which every dashboard
overlays as an annotation and the overview shows as "Last deploy". A latency step lines up with a release.

A rule rather than an exported metric: it needs no process of its own, survives the apps' restarts (which
are not deploys), and a cluster ships it the way it ships every other rule (a PrometheusRule object).
"""

from __future__ import annotations

import yaml

from dashboards.rules.model import RecordingRule, RuleGroup

DEPLOY_SERIES = "cnop_deploy_timestamp_seconds"


def deploy_marker_group(*, version: str, deployed_at: float, environment: str) -> RuleGroup:
    """The rule group one deploy loads: ``version`` (a commit, an image tag) deployed at ``deployed_at``."""
    labels = {"version": version, "environment": environment}
    return RuleGroup("cnop-deploys", (RecordingRule(DEPLOY_SERIES, f"vector({deployed_at:.0f})", labels),))


def deploy_marker_file(*, version: str, deployed_at: float, environment: str) -> str:
    """``deploy_marker_group`` as a Prometheus rule file."""
    group = deploy_marker_group(version=version, deployed_at=deployed_at, environment=environment)
    document = yaml.safe_dump({"groups": [group.as_dict()]}, sort_keys=False)
    return f"# Written at each deploy (dashboards/deploys.py).\n{document}"
