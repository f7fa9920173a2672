"""The header every CNOP dashboard shares: datasource, environment and service variables, links, time."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    VariableOption,
    VariableRefresh,
    VariableSort,
)

from dashboards.config import CONFIG
from dashboards.panels.common import DATASOURCE
from dashboards.promql import ENVIRONMENT, series

ALL = VariableOption(selected=True, text="All", value="$__all")


def datasource_variable() -> dashboard.DatasourceVariable:
    selected = VariableOption(selected=True, text=CONFIG.grafana.datasource_name, value=CONFIG.grafana.datasource_uid)
    return dashboard.DatasourceVariable("datasource").label("Data source").type("prometheus").current(selected)


def label_variable(name: str, label: str, query: str) -> dashboard.QueryVariable:
    """A multi-value variable over a label's values; "All" is ``.*``, which also matches series without it."""
    return (
        dashboard.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(query)
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(ALL)
    )


def environment_variable() -> dashboard.QueryVariable:
    up = series("up", CONFIG.selectors.apps)
    return label_variable("environment", "Environment", f"label_values({up}, {CONFIG.environment_label})")


def service_variable() -> dashboard.QueryVariable:
    requests = series("http_requests_total", CONFIG.selectors.apps, ENVIRONMENT)
    return label_variable("service", "Service", f"label_values({requests}, service)")


def other_dashboards() -> dashboard.DashboardLink:
    return (
        dashboard.DashboardLink("CNOP dashboards")
        .type(DashboardLinkType.DASHBOARDS)
        .tags([CONFIG.grafana.tags[0]])
        .as_dropdown(True)
        .include_vars(True)
        .keep_time(True)
    )


def board(uid: str, title: str, description: str) -> dashboard.Dashboard:
    return (
        dashboard.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(list(CONFIG.grafana.tags))
        .editable()
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .time(CONFIG.grafana.time_from, "now")
        .refresh(CONFIG.grafana.refresh)
        .timezone("browser")
        .link(other_dashboards())
        .with_variable(datasource_variable())
        .with_variable(environment_variable())
        .with_variable(service_variable())
    )
