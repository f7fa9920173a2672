"""``make dashboards-provision`` against a local Grafana speaking the documented HTTP API."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from dashboards.build import dashboard_models
from dashboards.config import CONFIG
from dashboards.file_provisioning import datasource_settings
from ops import grafana
from ops.grafana_api import GrafanaClient
from tests.support.fake_grafana import FakeGrafana, running_fake_grafana

TOKEN = "glsa_test-token-0123456789"
UIDS = set(dashboard_models())


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
    with GrafanaClient(fake.url, TOKEN) as client:
        list(grafana.provision(client, models, datasource_settings()))
        models["cnop-insights"]["refresh"] = "1m"
        changes = list(grafana.provision(client, models, datasource_settings()))
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
    assert "GET /api/datasources/uid/cnop-prometheus failed: ConnectError" in console()


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
