"""Every PromQL expression the dashboards and rules evaluate, as data: for promtool, the metrics
catalogue check, and the live proof that runs each one through Prometheus' HTTP API.

    for q in panel_queries():
        prometheus.query(resolve(q.expr, rate_interval="1m"))   # no error; data unless event- or cluster-only
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dashboards.build import Model, dashboard_models
from dashboards.panels.common import CLUSTER_ONLY, EVENT_ONLY
from dashboards.promql import resolve
from dashboards.rules.model import AlertingRule
from dashboards.rules.render import rule_files

__all__ = ["PanelQuery", "RuleExpression", "annotation_queries", "panel_queries", "resolve", "rule_expressions",
           "variable_queries"]


@dataclass(frozen=True)
class PanelQuery:
    dashboard_uid: str
    panel_title: str
    ref_id: str
    expr: str
    event_only: bool
    """True when the panel documents that its series exist only after a failure (see panels.common)."""
    cluster_only: bool
    """True when the panel documents that only a cluster's exporters give its series (see panels.common)."""
    instant: bool


@dataclass(frozen=True)
class RuleExpression:
    file: str
    group: str
    name: str
    expr: str
    is_alert: bool


def _panels(model: Model) -> list[Model]:
    top = model.get("panels", [])
    return [p for panel in top for p in [panel, *panel.get("panels", [])] if p.get("type") != "row"]


def panel_queries() -> list[PanelQuery]:
    """(dashboard uid, panel title, expr, event-only) for every target of every panel."""
    return [
        PanelQuery(
            dashboard_uid=uid,
            panel_title=panel["title"],
            ref_id=target["refId"],
            expr=target["expr"],
            event_only=EVENT_ONLY in panel.get("description", ""),
            cluster_only=CLUSTER_ONLY in panel.get("description", ""),
            instant=bool(target.get("instant")),
        )
        for uid, model in dashboard_models().items()
        for panel in _panels(model)
        for target in panel.get("targets", [])
    ]


def rule_expressions() -> list[RuleExpression]:
    return [
        RuleExpression(
            file=file,
            group=group.name,
            name=rule.alert if isinstance(rule, AlertingRule) else rule.record,
            expr=rule.expr,
            is_alert=isinstance(rule, AlertingRule),
        )
        for file, groups in rule_files().items()
        for group in groups
        for rule in group.rules
    ]


_LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+), (?P<label>\w+)\)$")


def variable_queries() -> dict[tuple[str, str], str]:
    """(dashboard uid, variable name) -> the series selector of its ``label_values`` query."""
    found = {}
    for uid, model in dashboard_models().items():
        for variable in model["templating"]["list"]:
            if variable["type"] == "query":
                match = _LABEL_VALUES.match(variable["query"])
                found[uid, variable["name"]] = match.group("selector") if match else variable["query"]
    return found


def annotation_queries() -> dict[tuple[str, str], str]:
    """(dashboard uid, annotation name) -> its PromQL expression (the deploy markers)."""
    return {(uid, annotation["name"]): annotation["expr"] for uid, model in dashboard_models().items()
            for annotation in model.get("annotations", {}).get("list", []) if annotation.get("expr")}
