"""The dashboards: generated files up to date, stable uids, the shared variables, a query in every panel."""

from __future__ import annotations

import json

import pytest

from dashboards.build import BOARDS, dashboard_models, render, to_json
from dashboards.config import CONFIG
from dashboards.expressions import annotation_queries, panel_queries
from dashboards.file_provisioning import dashboards_file, datasources_file
from dashboards.generate import expected_files, stale_files
from dashboards.queries import deploys

STABLE_UIDS = {"cnop-overview", "cnop-gateway", "cnop-trading", "cnop-insights", "cnop-dependencies"}


def _panels(model: dict[str, object]) -> list[dict[str, object]]:
    panels = model["panels"]
    assert isinstance(panels, list)
    return [p for p in panels if p["type"] != "row"]


def test_generated_files_are_up_to_date() -> None:
    """CI's guard: regenerate in memory and compare with the committed files."""
    stale = [str(path) for path in stale_files()]
    assert not stale, f"generated files out of date, run `make dashboards`: {stale}"


def test_generation_is_deterministic_with_sorted_keys() -> None:
    for path, text in expected_files().items():
        if path.suffix == ".json":
            assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    first, second = ([to_json(render(build())) for build in BOARDS] for _ in range(2))
    assert first == second


def test_the_five_dashboards_keep_their_uids() -> None:
    models = dashboard_models()
    assert set(models) == STABLE_UIDS
    assert all(model["uid"] == uid and len(uid) <= 40 for uid, model in models.items())


@pytest.mark.parametrize("uid", sorted(STABLE_UIDS))
def test_every_dashboard_has_environment_and_service_variables(uid: str) -> None:
    variables = {v["name"]: v for v in dashboard_models()[uid]["templating"]["list"]}
    assert {"datasource", "environment", "service"} <= set(variables)
    for name in ("environment", "service"):
        assert variables[name]["includeAll"] and variables[name]["allValue"] == ".*"
    assert variables["datasource"]["current"]["value"] == CONFIG.grafana.datasource_uid


@pytest.mark.parametrize("uid", sorted(STABLE_UIDS))
def test_every_panel_has_a_query_a_unique_id_and_the_datasource_variable(uid: str) -> None:
    model = dashboard_models()[uid]
    panels = _panels(model)
    assert panels
    for panel in panels:
        targets = panel.get("targets")
        assert isinstance(targets, list) and targets, panel["title"]
        assert all(t["expr"].strip() and t["refId"] for t in targets), panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    ids = [p["id"] for p in model["panels"]]
    titles = [p["title"] for p in panels]
    assert len(set(ids)) == len(ids) and len(set(titles)) == len(titles)


def test_every_query_filters_by_environment() -> None:
    """Recorded, raw and feed series alike follow the environment variable."""
    unfiltered = [(q.dashboard_uid, q.panel_title) for q in panel_queries() if "$environment" not in q.expr]
    assert not unfiltered


def test_event_only_panels_are_the_documented_failure_views() -> None:
    event_only = {q.panel_title for q in panel_queries() if q.event_only}
    assert event_only == {
        "Redis checks unavailable",
        "Circuit breakers",
        "Breaker transitions",
        "Failed fast by open breakers",
        "Model errors by kind",
        "DynamoDB errors by operation",
        "Redis errors by operation",
        "DynamoDB throttled requests",
    }


def test_cluster_only_panels_are_aws_s_own_signals_which_the_local_stack_has_not() -> None:
    """The local live proof expects no data from these (tests/e2e/stack/test_live_monitoring.py); every one reads
    YACE's job and nothing else, so no local series hides behind the marker."""
    cluster_only = [q for q in panel_queries() if q.cluster_only]
    assert {q.panel_title for q in cluster_only} == {
        "DynamoDB throttled requests", "DynamoDB consumed capacity", "ElastiCache memory", "ElastiCache evictions",
        "Load balancer 5xx", "Load balancer targets"}
    assert {q.dashboard_uid for q in cluster_only} == {"cnop-dependencies"}
    assert all(CONFIG.selectors.cloudwatch in q.expr for q in cluster_only)
    assert not any(CONFIG.selectors.cloudwatch in q.expr for q in panel_queries() if not q.cluster_only)


def test_file_provisioning_points_at_the_generated_dashboards_and_the_shared_datasources() -> None:
    providers, datasources = dashboards_file()["providers"], datasources_file()["datasources"]
    assert isinstance(providers, list) and isinstance(datasources, list)
    assert [p["options"]["path"] for p in providers] == [CONFIG.grafana.container_dashboards_path]
    assert [p["folderUid"] for p in providers] == [CONFIG.grafana.folder_uid]
    assert [(d["uid"], d["type"], d.get("isDefault", False), d["editable"]) for d in datasources] == [
        (CONFIG.grafana.datasource_uid, "prometheus", True, False),
        (CONFIG.grafana.traces_datasource_uid, "tempo", False, False),
        (CONFIG.grafana.logs_datasource_uid, "loki", False, False),
    ]


@pytest.mark.parametrize("uid", sorted(STABLE_UIDS))
def test_every_dashboard_overlays_the_deploys(uid: str) -> None:
    assert annotation_queries()[uid, "Deploys"] == deploys.deploy_annotation()
    assert "$environment" in deploys.deploy_annotation()


def test_latency_panels_show_exemplars_that_lead_to_the_trace() -> None:
    """Quantiles over the raw histograms the apps observe with a trace id draw their exemplars (recorded series
    carry none), and the Prometheus datasource sends an exemplar's trace id to the traces datasource."""
    targets = [
        (panel["title"], target)
        for model in dashboard_models().values()
        for panel in _panels(model)
        for target in panel["targets"]
    ]
    with_exemplars = {title for title, target in targets if target.get("exemplar")}
    assert {
        "Slowest routes (p95)",
        "Upstream latency",
        "Order and user API latency (p95)",
        "DynamoDB latency by operation",
        "Redis latency by operation",
    } <= with_exemplars
    assert all("_bucket{" in target["expr"] for _, target in targets if target.get("exemplar"))
    datasource, *_ = datasources_file()["datasources"]
    assert datasource["jsonData"]["exemplarTraceIdDestinations"] == [
        {"name": "trace_id", "datasourceUid": CONFIG.grafana.traces_datasource_uid}
    ]
