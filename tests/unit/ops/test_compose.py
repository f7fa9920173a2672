"""The compose file (not run here: no Docker engine) stays in step with the code: ports, commands, env names."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from apps.common.services import SERVICES, Service, upstreams
from apps.gateway.settings import upstream_env_name
from ops.envnames import all_env_names
from ops.servers import REPO


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return compose["services"]  # type: ignore[no-any-return]


def test_the_compose_file_runs_exactly_the_services_of_the_catalogue(services: dict[str, Any]) -> None:
    apps = {name for name, spec in services.items() if spec.get("image") == "cnop-apps:local" and "command" in spec
            and spec["command"][:3] == ["python", "-m", "apps.serve"]}
    assert apps == {entry.name for entry in SERVICES}


@pytest.mark.parametrize("entry", SERVICES, ids=lambda entry: entry.name)
def test_every_app_runs_from_the_one_image_on_its_catalogue_port(services: dict[str, Any], entry: Service) -> None:
    assert services[entry.name]["command"] == ["python", "-m", "apps.serve", entry.name, "--host", "0.0.0.0",
                                               "--port", str(entry.port)]
    assert services[entry.name]["image"] == "cnop-apps:local"
    for name in services[entry.name]["environment"]:
        assert name in all_env_names(), f"{entry.name}: {name} is read by no settings class"


def test_gateway_points_at_every_upstream(services: dict[str, Any]) -> None:
    env = services["gateway"]["environment"]
    for upstream in upstreams():
        assert env[upstream_env_name(upstream.name)] == f"http://{upstream.name}:{upstream.port}"


def test_prometheus_scrapes_every_app_and_grafana_gets_the_provisioning(services: dict[str, Any]) -> None:
    config = yaml.safe_load((REPO / "deploy" / "compose" / "prometheus.yml").read_text())
    targets = {job["job_name"]: job["static_configs"][0]["targets"][0] for job in config["scrape_configs"]}
    assert targets == {entry.name: f"{entry.name}:{entry.port}" for entry in SERVICES}
    mounts = " ".join(services["grafana"]["volumes"])
    assert "./dashboards/provisioning:/etc/grafana/provisioning" in mounts
    assert "./dashboards/generated:/var/lib/grafana/dashboards/cnop" in mounts
