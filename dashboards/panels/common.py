"""What every panel shares: the datasource variable, targets from queries, units, thresholds, event-only notes."""

from __future__ import annotations

from collections.abc import Sequence
from string import ascii_uppercase

from grafana_foundation_sdk.builders import common, dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog import builder, variants
from grafana_foundation_sdk.models.common import (
    GraphThresholdsStyleMode,
    LegendDisplayMode,
    LegendPlacement,
    StackingMode,
)
from grafana_foundation_sdk.models.dashboard import DataSourceRef, Threshold, ThresholdsMode

from dashboards.promql import Query

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
EVENT_ONLY = "Event-only:"
"""Marks a panel whose series exist only after a failure (a breaker trip, a dependency error...): the
live proof accepts no data from these panels, and from the cluster-only ones."""
CLUSTER_ONLY = "Cluster-only:"
"""Marks a panel whose series only a cluster's exporters give (AWS's own signals, through YACE): the local
stack has none of them, so the local live proof expects no data from these."""


def description(text: str, event_only: str = "", cluster_only: str = "") -> str:
    if event_only:
        text = f"{text} {EVENT_ONLY} empty until {event_only}."
    if cluster_only:
        text = f"{text} {CLUSTER_ONLY} {cluster_only}."
    return text


def targets(queries: Sequence[Query], *, instant: bool = False) -> list[builder.Builder[variants.Dataquery]]:
    built: list[builder.Builder[variants.Dataquery]] = []
    for ref_id, query in zip(ascii_uppercase, queries, strict=False):
        target = prometheus.Dataquery().expr(query.expr).legend_format(query.legend or "__auto").ref_id(ref_id)
        if query.exemplars:
            target = target.exemplar(True)
        built.append(target.instant() if instant else target.range())
    return built


def thresholds(*steps: tuple[float, str], base: str = "green") -> dashboard.ThresholdsConfig:
    """Colours from ``base`` upwards: each (value, colour) step applies at and above its value."""
    levels = [Threshold(value=None, color=base), *(Threshold(value=v, color=c) for v, c in steps)]
    return dashboard.ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(levels)


def graph(
    title: str,
    text: str,
    unit: str,
    queries: Sequence[Query],
    *,
    event_only: str = "",
    cluster_only: str = "",
    stacked: bool = False,
    limit: float | None = None,
) -> timeseries.Panel:
    """A time series; ``limit`` draws a dashed red line at an objective or alert threshold."""
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description(text, event_only, cluster_only))
        .datasource(DATASOURCE)
        .unit(unit)
        .min(0)
        .fill_opacity(10)
        .span(12)
        .height(8)
        .legend(
            common.VizLegendOptions()
            .display_mode(LegendDisplayMode.TABLE)
            .placement(LegendPlacement.BOTTOM)
            .show_legend(True)
            .calcs(["mean", "max", "lastNotNull"])
        )
        .targets(targets(queries))
    )
    if stacked:
        panel = panel.stacking(common.StackingConfig().mode(StackingMode.NORMAL))
    if limit is not None:
        panel = panel.thresholds(thresholds((limit, "red"))).thresholds_style(
            common.GraphThresholdsStyleConfig().mode(GraphThresholdsStyleMode.DASHED)
        )
    return panel


def single_stat(
    title: str,
    text: str,
    unit: str,
    queries: Sequence[Query],
    *,
    event_only: str = "",
    steps: Sequence[tuple[float, str]] = (),
    base: str = "green",
) -> stat.Panel:
    return (
        stat.Panel()
        .title(title)
        .description(description(text, event_only))
        .datasource(DATASOURCE)
        .unit(unit)
        .span(6)
        .height(5)
        .thresholds(thresholds(*steps, base=base))
        .targets(targets(queries, instant=True))
    )
