"""Grafana's datasources, defined once (dashboards/datasources.py): each link exists exactly when its target does,
and a provisioning file writes ``$`` as ``$$`` (Grafana expands ``$NAME`` there) while the API gets it as it is."""

from __future__ import annotations

from dashboards.config import CONFIG
from dashboards.datasources import COMPOSE, Backends, datasources, provisioning_file

G = CONFIG.grafana
EVERYTHING = Backends(prometheus="http://p:9090", tempo="http://t:3200", loki="http://l:3100",
                      alertmanager="http://a:9093")


def by_uid(backends: Backends) -> dict[str, dict[str, object]]:
    return {source["uid"]: source for source in datasources(backends)}


def test_every_backend_is_a_datasource_and_prometheus_is_the_one_default() -> None:
    found = by_uid(EVERYTHING)
    assert {uid: (source["type"], source["url"]) for uid, source in found.items()} == {
        G.datasource_uid: ("prometheus", "http://p:9090"), G.traces_datasource_uid: ("tempo", "http://t:3200"),
        G.logs_datasource_uid: ("loki", "http://l:3100"), G.alertmanager_datasource_uid: ("alertmanager", "http://a:9093")}
    assert [uid for uid, source in found.items() if source.get("isDefault")] == [G.datasource_uid]


def test_links_go_both_ways_when_both_ends_exist() -> None:
    found = by_uid(EVERYTHING)
    prometheus, tempo, loki = (found[uid]["jsonData"] for uid in (G.datasource_uid, G.traces_datasource_uid,
                                                                   G.logs_datasource_uid))
    assert prometheus["exemplarTraceIdDestinations"] == [{"name": "trace_id", "datasourceUid": G.traces_datasource_uid}]
    assert tempo["tracesToLogsV2"]["datasourceUid"] == G.logs_datasource_uid  # type: ignore[index]
    assert tempo["tracesToLogsV2"]["tags"] == [{"key": "service.name", "value": "service"}]  # type: ignore[index]
    assert loki["derivedFields"][0]["datasourceUid"] == G.traces_datasource_uid  # type: ignore[index]


def test_no_link_points_at_a_datasource_that_is_not_there() -> None:
    alone = by_uid(Backends(prometheus="http://p:9090"))
    assert list(alone) == [G.datasource_uid]
    assert "exemplarTraceIdDestinations" not in alone[G.datasource_uid]["jsonData"]  # type: ignore[operator]
    without_traces = by_uid(Backends(prometheus="http://p:9090", loki="http://l:3100"))
    assert without_traces[G.logs_datasource_uid]["jsonData"] == {}
    without_logs = by_uid(Backends(prometheus="http://p:9090", tempo="http://t:3200"))
    assert "tracesToLogsV2" not in without_logs[G.traces_datasource_uid]["jsonData"]  # type: ignore[operator]


def test_a_provisioning_file_escapes_dollars_and_makes_every_datasource_read_only() -> None:
    written = provisioning_file(EVERYTHING)["datasources"]
    assert isinstance(written, list) and all(source["editable"] is False for source in written)
    [loki] = [source for source in written if source["uid"] == G.logs_datasource_uid]
    assert loki["jsonData"]["derivedFields"][0]["url"] == "$${__value.raw}"
    assert by_uid(EVERYTHING)[G.logs_datasource_uid]["jsonData"]["derivedFields"][0]["url"] == "${__value.raw}"  # type: ignore[index]


def test_compose_has_no_alertmanager_datasource() -> None:
    assert set(by_uid(COMPOSE)) == {G.datasource_uid, G.traces_datasource_uid, G.logs_datasource_uid}
