"""The compose file (not run here: no Docker engine) stays in step with the code: ports, commands, env names, and
its traces, logs and exemplars wired together (Tempo, Loki, Alloy, Grafana's datasources, Prometheus's flag)."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
import yaml
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from apps.common.logs import JsonFormatter
from apps.common.services import SERVICES, Service, upstreams
from apps.common.tracing import TracingSettings
from apps.gateway.settings import upstream_env_name
from dashboards.file_provisioning import PROVISIONING_DIR, rendered_provisioning_files
from ops.envnames import all_env_names, env_name
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


def test_prometheus_scrapes_every_app(services: dict[str, Any]) -> None:
    config = yaml.safe_load((REPO / "deploy" / "compose" / "prometheus.yml").read_text())
    targets = {job["job_name"]: job["static_configs"][0]["targets"][0] for job in config["scrape_configs"]}
    assert targets == {entry.name: f"{entry.name}:{entry.port}" for entry in SERVICES}


def _mount_target(spec: dict[str, Any], source: str) -> str:
    """Where ``source`` (a path on the host, as the compose file spells it) is mounted in the container."""
    for volume in spec["volumes"]:
        host, target, *_ = volume.split(":")
        if source == host or source.startswith(host + "/"):
            return target + source.removeprefix(host)
    raise AssertionError(f"{source} is not mounted")


def _tempo_config() -> dict[str, Any]:
    return yaml.safe_load((REPO / "deploy" / "compose" / "tempo.yml").read_text())  # type: ignore[no-any-return]


def _datasources(services: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Grafana's datasources by uid, from the provisioning files mounted where Grafana reads them."""
    folder = REPO / _mount_source(services["grafana"], "/etc/grafana/provisioning/datasources")
    return {source["uid"]: source for path in sorted(folder.glob("*.yml"))
            for source in yaml.safe_load(path.read_text())["datasources"]}


def _mount_source(spec: dict[str, Any], target: str) -> str:
    """What is mounted at ``target`` (a folder in the container), as the compose file spells it."""
    for volume in spec["volumes"]:
        host, mounted, *_ = volume.split(":")
        if mounted == target:
            return host
    raise AssertionError(f"nothing is mounted at {target}")


def test_grafana_gets_every_generated_provisioning_file_in_its_place(services: dict[str, Any]) -> None:
    grafana = services["grafana"]
    for path in rendered_provisioning_files():
        relative = path.relative_to(PROVISIONING_DIR).as_posix()
        assert _mount_target(grafana, f"./dashboards/provisioning/{relative}") == \
            f"/etc/grafana/provisioning/{relative}"
    assert _mount_target(grafana, "./dashboards/generated") == "/var/lib/grafana/dashboards/cnop"


@pytest.mark.parametrize("entry", SERVICES, ids=lambda entry: entry.name)
def test_every_app_sends_its_spans_to_tempo_s_otlp_receiver(services: dict[str, Any], entry: Service) -> None:
    receiver = _tempo_config()["distributor"]["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    env = services[entry.name]["environment"]
    settings = TracingSettings(**{field: env[env_name(TracingSettings, field)] for field in TracingSettings.model_fields
                                  if env_name(TracingSettings, field) in env})
    assert settings.exporter_otlp_endpoint == f"http://tempo:{receiver.rsplit(':', 1)[1]}"
    assert settings.traces_sampler_arg == 1.0


def test_tempo_and_prometheus_run_with_their_mounted_configs_and_prometheus_keeps_exemplars(
    services: dict[str, Any]
) -> None:
    tempo, prometheus = services["tempo"], services["prometheus"]
    assert tempo["command"] == [f"-config.file={_mount_target(tempo, './deploy/compose/tempo.yml')}"]
    assert f"--config.file={_mount_target(prometheus, './deploy/compose/prometheus.yml')}" in prometheus["command"]
    assert "--enable-feature=exemplar-storage" in prometheus["command"]


def test_alloy_ships_logs_to_loki_labelled_with_the_service_tempo_asks_for(services: dict[str, Any]) -> None:
    alloy = (REPO / "deploy" / "compose" / "alloy.alloy").read_text()
    assert services["alloy"]["command"][-1] == _mount_target(services["alloy"], "./deploy/compose/alloy.alloy")
    assert 'url = "http://loki:3100/loki/api/v1/push"' in alloy
    assert re.search(r'__meta_docker_container_label_com_docker_compose_service"\]\s+target_label\s+= "service"',
                     alloy)
    tempo = _datasources(services)["cnop-tempo"]
    assert tempo["jsonData"]["tracesToLogsV2"]["tags"] == [{"key": "service.name", "value": "service"}]


def test_traces_and_logs_link_both_ways_through_the_trace_id_of_the_log_lines(services: dict[str, Any]) -> None:
    datasources = _datasources(services)
    tempo, loki = datasources["cnop-tempo"], datasources["cnop-loki"]
    assert tempo["url"] == f"http://tempo:{_tempo_config()['server']['http_listen_port']}"
    assert loki["url"] == "http://loki:3100"
    assert tempo["jsonData"]["tracesToLogsV2"]["datasourceUid"] == loki["uid"]
    assert tempo["jsonData"]["tracesToLogsV2"]["filterByTraceID"] is True
    [trace_link] = loki["jsonData"]["derivedFields"]
    assert trace_link["datasourceUid"] == tempo["uid"]

    context = SpanContext(0x4BF92F3577B34DA6A3CE929D0E0E4736, 0x00F067AA0BA902B7, False,
                          TraceFlags(TraceFlags.SAMPLED))
    with trace.use_span(NonRecordingSpan(context)):
        line = JsonFormatter("order").format(logging.LogRecord("access", logging.INFO, __file__, 1, "POST /orders 201",
                                                               None, None))
    match = re.search(trace_link["matcherRegex"], line)
    assert match is not None and match.group(1) == "4bf92f3577b34da6a3ce929d0e0e4736", line
