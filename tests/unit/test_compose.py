"""The compose file (not run here: no Docker engine) stays in step with the code: ports, commands, env names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.common.services import DEFAULT_PORTS
from apps.common.settings import PlatformSettings
from apps.gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return compose["services"]  # type: ignore[no-any-return]


def _known_env_names() -> set[str]:
    names = {str(f.validation_alias) for f in PlatformSettings.model_fields.values() if f.validation_alias}
    gateway_only = set(GatewaySettings.model_fields) - set(PlatformSettings.model_fields)
    names |= {f"GATEWAY_{name.upper()}" for name in gateway_only}
    return names | {"GOOGLE_GEMINI_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


@pytest.mark.parametrize("app", sorted(DEFAULT_PORTS))
def test_every_app_runs_from_the_one_image_on_its_default_port(services: dict[str, Any], app: str) -> None:
    assert services[app]["command"] == ["python", "-m", "apps.serve", app, "--host", "0.0.0.0",
                                        "--port", str(DEFAULT_PORTS[app])]
    assert services[app]["image"] == "cnop-apps:local"
    for name in services[app]["environment"]:
        assert name in _known_env_names(), f"{app}: {name} is read by no settings class"


def test_gateway_points_at_every_upstream(services: dict[str, Any]) -> None:
    env = services["gateway"]["environment"]
    for app, port in DEFAULT_PORTS.items():
        if app != "gateway":
            assert env[f"GATEWAY_{app.upper()}_URL"] == f"http://{app}:{port}"


def test_prometheus_scrapes_every_app_and_grafana_gets_the_provisioning(services: dict[str, Any]) -> None:
    config = yaml.safe_load((REPO / "deploy" / "compose" / "prometheus.yml").read_text())
    targets = {job["job_name"]: job["static_configs"][0]["targets"][0] for job in config["scrape_configs"]}
    assert targets == {app: f"{app}:{port}" for app, port in DEFAULT_PORTS.items()}
    mounts = " ".join(services["grafana"]["volumes"])
    assert "./dashboards/provisioning:/etc/grafana/provisioning" in mounts
    assert "./dashboards/generated:/var/lib/grafana/dashboards/cnop" in mounts
