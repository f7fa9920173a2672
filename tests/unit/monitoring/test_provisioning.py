"""``make dashboards-provision`` (grafana-client) against a local Grafana speaking the documented HTTP API: what
arrives there, in which order, and what the command says."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from dashboards.build import dashboard_models
from dashboards.config import CONFIG
from dashboards.datasources import Backends, datasources
from ops import grafana
from tests.support.fake_grafana import FakeGrafana, running_fake_grafana

TOKEN = "glsa_test-token-0123456789"
UIDS = set(dashboard_models())
PROMETHEUS_ONLY = datasources(Backends(prometheus=CONFIG.grafana.prometheus_url))


@pytest.fixture
def fake() -> Iterator[FakeGrafana]:
    with running_fake_grafana(TOKEN) as server:
        yield server


@pytest.fixture
def console(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> Callable[[], str]:
    """What the command printed and logged since the last call; never the token."""

    def read() -> str:
        captured = capsys.readouterr()
        text = captured.out + captured.err + caplog.text
        caplog.clear()
        assert TOKEN not in text
        return text

    return read


def provision(fake: FakeGrafana, console: Callable[[], str], *extra: str, token: str = TOKEN) -> tuple[int, str]:
    code = grafana.main(["--url", fake.url, "--token", token, *extra])
    return code, console()


def test_first_run_creates_the_datasource_the_folder_and_every_dashboard(
    fake: FakeGrafana, console: Callable[[], str]
) -> None:
    code, output = provision(fake, console)
    assert code == 0, output
    assert f"datasource {CONFIG.grafana.datasource_uid}: created" in output
    assert f"folder {CONFIG.grafana.folder_uid}: created" in output
    assert all(f"dashboard {uid}: created" in output for uid in UIDS)
    assert "7 created, 0 updated, 0 unchanged" in output
    assert set(fake.dashboards) == UIDS
    assert {d["folderUid"] for d in fake.dashboards.values()} == {CONFIG.grafana.folder_uid}
    assert fake.datasources[CONFIG.grafana.datasource_uid]["url"] == CONFIG.grafana.prometheus_url


def test_second_run_changes_nothing_and_posts_nothing(fake: FakeGrafana, console: Callable[[], str]) -> None:
    provision(fake, console)
    fake.requests.clear()
    code, output = provision(fake, console)
    assert code == 0, output
    assert "0 created, 0 updated, 7 unchanged" in output
    assert fake.writes() == []


def test_a_dashboard_edited_in_grafana_is_put_back_and_only_that_one(
    fake: FakeGrafana, console: Callable[[], str]
) -> None:
    provision(fake, console)
    fake.dashboards["cnop-trading"]["dashboard"]["title"] = "edited by hand"
    fake.requests.clear()
    code, output = provision(fake, console)
    assert code == 0, output
    assert "dashboard cnop-trading: updated" in output and "0 created, 1 updated, 6 unchanged" in output
    assert fake.writes() == [("POST", "/api/dashboards/db")]
    stored = fake.dashboards["cnop-trading"]["dashboard"]
    assert stored["title"] == dashboard_models()["cnop-trading"]["title"] and stored["version"] == 2


def test_a_changed_dashboard_in_code_updates_grafana(fake: FakeGrafana) -> None:
    models = dashboard_models()
    api = grafana.connect(fake.url, TOKEN)
    list(grafana.provision(api, models, PROMETHEUS_ONLY))
    models["cnop-insights"]["refresh"] = "1m"
    changes = list(grafana.provision(api, models, PROMETHEUS_ONLY))
    assert [str(c) for c in changes if c.action != "unchanged"] == ["dashboard cnop-insights: updated"]
    assert fake.dashboards["cnop-insights"]["dashboard"]["refresh"] == "1m"


def test_a_moved_dashboard_a_renamed_folder_and_a_new_prometheus_url_are_updated(
    fake: FakeGrafana, console: Callable[[], str]
) -> None:
    provision(fake, console)
    fake.folders[CONFIG.grafana.folder_uid]["title"] = "Renamed"
    fake.dashboards["cnop-gateway"]["folderUid"] = ""
    code, output = provision(fake, console, "--prometheus-url", "http://127.0.0.1:9091")
    assert code == 0, output
    for line in (f"datasource {CONFIG.grafana.datasource_uid}: updated", f"folder {CONFIG.grafana.folder_uid}: updated",
                 "dashboard cnop-gateway: updated"):
        assert line in output
    assert fake.datasources[CONFIG.grafana.datasource_uid]["url"] == "http://127.0.0.1:9091"
    assert fake.dashboards["cnop-gateway"]["folderUid"] == CONFIG.grafana.folder_uid


def test_a_bad_token_fails_with_401_and_never_shows_the_token(
    fake: FakeGrafana, console: Callable[[], str]
) -> None:
    code, output = provision(fake, console, token="glsa_wrong-token")
    assert code == 1
    assert "answered 401" in output and "GRAFANA_TOKEN" in output
    assert "glsa_wrong-token" not in output
    assert fake.writes() == []


def test_a_read_only_token_fails_with_403(fake: FakeGrafana, console: Callable[[], str]) -> None:
    code, output = provision(fake, console, token=fake.read_only_token)
    assert code == 1
    assert "POST /api/datasources answered 403" in output and "permission" in output


def test_an_edit_made_between_read_and_write_fails_with_412_instead_of_being_lost(
    fake: FakeGrafana, console: Callable[[], str]
) -> None:
    provision(fake, console)
    fake.dashboards["cnop-overview"]["dashboard"]["title"] = "edited by hand"
    fake.edited_after_read.add("cnop-overview")
    code, output = provision(fake, console)
    assert code == 1
    assert "POST /api/dashboards/db answered 412" in output
    assert "changed by someone else (version-mismatch)" in output
    assert fake.dashboards["cnop-overview"]["dashboard"]["title"] == "edited by hand"


def test_a_server_error_stops_the_run_with_a_clear_message(
    fake: FakeGrafana, console: Callable[[], str]
) -> None:
    fake.fail("POST", "/api/dashboards/db", 500)
    code, output = provision(fake, console)
    assert code == 1
    assert "folder cnop: created" in output
    assert "provisioning failed: POST /api/dashboards/db answered 500: Internal Server Error" in output


def test_an_unreachable_grafana_fails_cleanly(console: Callable[[], str]) -> None:
    with running_fake_grafana(TOKEN) as stopped:
        url = stopped.url
    assert grafana.main(["--url", url, "--token", TOKEN]) == 1
    assert "GET /api/datasources/uid/cnop-prometheus failed: ConnectionError" in console()


def test_missing_url_or_token_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, console: Callable[[], str]
) -> None:
    monkeypatch.delenv("GRAFANA_URL", raising=False)
    monkeypatch.delenv("GRAFANA_TOKEN", raising=False)
    with pytest.raises(SystemExit) as exited:
        grafana.main([])
    assert exited.value.code == 2
    assert "GRAFANA_URL" in console()
    monkeypatch.setenv("GRAFANA_URL", "http://127.0.0.1:1")
    with pytest.raises(SystemExit) as exited:
        grafana.main([])
    assert exited.value.code == 2
    assert "GRAFANA_TOKEN" in console()


def test_url_and_token_come_from_the_environment(
    fake: FakeGrafana, monkeypatch: pytest.MonkeyPatch, console: Callable[[], str]
) -> None:
    monkeypatch.setenv("GRAFANA_URL", fake.url)
    monkeypatch.setenv("GRAFANA_TOKEN", TOKEN)
    assert grafana.main([]) == 0
    assert "7 created" in console()


def test_what_arrives_is_the_token_the_one_datasource_definition_the_folder_and_the_dashboards(
    fake: FakeGrafana, console: Callable[[], str]
) -> None:
    code, output = provision(fake, console, "--tempo-url", "http://tempo:3100", "--loki-url", "http://loki:3100",
                             "--alertmanager-url", "http://alertmanager:9093")
    assert code == 0, output
    assert fake.authorizations == {f"Bearer {TOKEN}"}
    wanted = datasources(Backends(prometheus=CONFIG.grafana.prometheus_url, tempo="http://tempo:3100",
                                  loki="http://loki:3100", alertmanager="http://alertmanager:9093"))
    created = [body for method, path, body in fake.received if (method, path) == ("POST", "/api/datasources")]
    assert created == wanted  # exactly dashboards/datasources.py's definition, "$" unescaped (no file to expand)
    by_uid = {body["uid"]: body for body in created}
    tempo, loki = by_uid[CONFIG.grafana.traces_datasource_uid], by_uid[CONFIG.grafana.logs_datasource_uid]
    assert tempo["jsonData"]["tracesToLogsV2"]["datasourceUid"] == loki["uid"]
    assert loki["jsonData"]["derivedFields"][0]["url"] == "${__value.raw}"
    assert by_uid[CONFIG.grafana.datasource_uid]["jsonData"]["exemplarTraceIdDestinations"][0]["datasourceUid"] == \
        tempo["uid"]
    assert by_uid[CONFIG.grafana.alertmanager_datasource_uid]["jsonData"]["handleGrafanaManagedAlerts"] is False
    [folder] = [body for method, path, body in fake.received if (method, path) == ("POST", "/api/folders")]
    assert folder == {"title": CONFIG.grafana.folder_title, "uid": CONFIG.grafana.folder_uid}
    saved = [body for method, path, body in fake.received if (method, path) == ("POST", "/api/dashboards/db")]
    assert {body["dashboard"]["uid"] for body in saved} == UIDS
    assert all(body["folderUid"] == CONFIG.grafana.folder_uid and body["overwrite"] is False for body in saved)
    assert [path for _, path, _ in fake.received][:5] == ["/api/datasources"] * 4 + ["/api/folders"]
    assert "10 created, 0 updated, 0 unchanged" in output
