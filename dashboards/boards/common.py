"""The header every CNOP dashboard shares: datasource, environment and service variables, links, time, and
the deploy annotations."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard
from grafana_foundation_sdk.models.dashboard import (
    AnnotationQuery,
    DashboardCursorSync,
    DashboardLinkType,
    VariableOption,
    VariableRefresh,
    VariableSort,
)

from dashboards.config import CONFIG
from dashboards.panels.common import DATASOURCE
from dashboards.promql import ENVIRONMENT, series
from dashboards.queries import deploys

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


class PrometheusAnnotation(AnnotationQuery):
    """An annotation query on the Prometheus datasource, with the title and tags Grafana reads from the
    series' labels (fields the SDK's ``AnnotationQuery`` does not model)."""

    def __init__(self, name: str, expr: str, *, title_format: str, tag_keys: str, icon_color: str) -> None:
        super().__init__(name=name, datasource=DATASOURCE, enable=True, icon_color=icon_color, expr=expr)
        self.title_format = title_format
        self.tag_keys = tag_keys

    def to_json(self) -> dict[str, object]:
        return {**super().to_json(), "titleFormat": self.title_format, "tagKeys": self.tag_keys,
                "useValueForTime": False}


class _Built:
    """The smallest builder ``Dashboard.annotation`` takes: it only calls ``build()``."""

    def __init__(self, annotation: AnnotationQuery) -> None:
        self._annotation = annotation

    def build(self) -> AnnotationQuery:
        return self._annotation


def deploy_annotation() -> _Built:
    expr = deploys.deploy_annotation()
    return _Built(PrometheusAnnotation("Deploys", expr, title_format="deploy {{version}}",
                                       tag_keys=f"{CONFIG.environment_label},version", icon_color="purple"))


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
        .annotation(deploy_annotation())  # type: ignore[arg-type]  # a builder in all but name
        .with_variable(datasource_variable())
        .with_variable(environment_variable())
        .with_variable(service_variable())
    )
