"""The local stack's monitoring: Prometheus (scraping the apps and exporters, evaluating the rules, sending
alerts), Alertmanager (routing them to receivers), the Redis and blackbox exporters, the local alert receiver,
and the deploy marker each ``up`` records. Every one of them listens on 127.0.0.1 only."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from apps.common.services import SERVICES
from dashboards.alerting import alertmanager_config
from dashboards.alerting import to_yaml as alertmanager_yaml
from dashboards.config import CONFIG, JOBS
from dashboards.deploys import deploy_marker_file
from dashboards.probes import BLACKBOX_FILE, probe_scrape_config
from dashboards.receivers import Receivers, Webhook
from dashboards.rules.model import RenderOptions
from dashboards.rules.render import RULES_DIR, rendered_rules
from ops.servers import (
    REPO,
    ServerError,
    ServerProcess,
    http_ok,
    refuse_busy_port,
    spawn,
    start_alertmanager,
    wait_until,
)
from ops.stack.config import StackSettings

log = logging.getLogger(__name__)

PROMETHEUS, ALERTMANAGER, REDIS_EXPORTER, BLACKBOX, ALERT_RECEIVER = (
    "prometheus", "alertmanager", "redis-exporter", "blackbox-exporter", "alert-receiver")
ENVIRONMENT = "localstack"
"""The ``environment`` label of every local series."""


@dataclass(frozen=True)
class Monitor:
    kind: str
    """The implementation, as ``make status`` shows it."""
    health_path: str


MONITORS = {
    PROMETHEUS: Monitor("prometheus", "/-/ready"),
    ALERTMANAGER: Monitor("alertmanager", "/-/ready"),
    REDIS_EXPORTER: Monitor("redis_exporter", "/health"),
    BLACKBOX: Monitor("blackbox", "/-/healthy"),
    ALERT_RECEIVER: Monitor("webhook-log", "/-/healthy"),
}


def _folder(settings: StackSettings, component: str) -> Path:
    folder = settings.run_dir / component
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _binary(name: str, package: str) -> str | None:
    found = shutil.which(name)
    if found is None:
        log.warning("%s is not installed: the stack runs without it (`apt-get install %s`, or `make setup` as root)",
                    name, package)
    return found


def _started(name: str, port: int, process: subprocess.Popen[bytes], log_path: Path,
             timeout: float = 15.0) -> ServerProcess:
    health = f"http://127.0.0.1:{port}{MONITORS[name].health_path}"
    wait_until(lambda: http_ok(health), timeout, name, process)
    return ServerProcess(name, port, process, log_path)


# Prometheus


def _deploy_file(settings: StackSettings) -> Path:
    return _folder(settings, PROMETHEUS) / "deploy.yml"


def record_deploy(settings: StackSettings) -> str:
    """The deploy marker of this ``up`` (dashboards/deploys.py): the checked-out commit, now. A restart of
    Prometheus keeps it: restarting is not deploying."""
    version = _version()
    _deploy_file(settings).write_text(deploy_marker_file(version=version, deployed_at=time.time(),
                                                         environment=ENVIRONMENT))
    return version


def _version() -> str:
    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=REPO,
                                   capture_output=True, text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return described.stdout.strip() or "unknown"


def _rule_files(settings: StackSettings) -> list[str]:
    """The committed rule files; with ``alert_for``, the same rules rendered with those ``for``s instead."""
    rules = str(RULES_DIR / "*.yml")
    if settings.alert_for:
        folder = _folder(settings, PROMETHEUS) / "rules"
        folder.mkdir(exist_ok=True)
        for name, text in rendered_rules(RenderOptions(for_durations=settings.alert_for)).items():
            (folder / name).write_text(text)
        rules = str(folder / "*.yml")
    deploy = _deploy_file(settings)
    return [rules, str(deploy)] if deploy.exists() else [rules]


def _job(name: str, port: int, metrics_path: str = "/metrics") -> dict[str, object]:
    return {"job_name": name, "metrics_path": metrics_path,
            "static_configs": [{"targets": [f"127.0.0.1:{port}"], "labels": {"environment": ENVIRONMENT}}]}


def prometheus_config(settings: StackSettings, running: Collection[str]) -> dict[str, object]:
    """Scrapes every app and whichever of the exporters and Alertmanager are ``running``; alerts go there."""
    jobs = [_job(entry.name, settings.app_port(entry.name), entry.metrics_path) for entry in SERVICES]
    if REDIS_EXPORTER in running:
        jobs.append(_job(JOBS.redis, settings.redis_exporter_port))
    if ALERTMANAGER in running:
        jobs.append(_job(JOBS.alertmanager, settings.alertmanager_port))
    if BLACKBOX in running:
        jobs.append(probe_scrape_config(gateway_urls=[settings.gateway_url],
                                        labels={CONFIG.environment_label: ENVIRONMENT},
                                        exporter_address=f"127.0.0.1:{settings.blackbox_port}"))
    config: dict[str, object] = {
        "global": {"scrape_interval": settings.scrape_interval, "evaluation_interval": settings.evaluation_interval},
        "rule_files": _rule_files(settings),
        "scrape_configs": jobs,
    }
    if ALERTMANAGER in running:
        config["alerting"] = {"alertmanagers": [{"static_configs": [
            {"targets": [f"127.0.0.1:{settings.alertmanager_port}"]}]}]}
    return config


def start_prometheus(settings: StackSettings, running: Collection[str]) -> ServerProcess | None:
    binary = _binary("prometheus", "prometheus")
    if binary is None:
        return None
    folder = _folder(settings, PROMETHEUS)
    config = folder / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config(settings, running), sort_keys=False))
    cmd = [binary, f"--config.file={config}", f"--storage.tsdb.path={folder / 'data'}",
           f"--web.listen-address=127.0.0.1:{settings.prometheus_port}", "--storage.tsdb.retention.time=2d",
           "--web.enable-lifecycle", "--enable-feature=exemplar-storage"]  # trace ids on the latency buckets
    refuse_busy_port(settings.prometheus_port, PROMETHEUS)
    log_path = settings.logs_dir / "prometheus.log"
    return _started(PROMETHEUS, settings.prometheus_port, spawn(cmd, log_path, cwd=folder), log_path, timeout=30)


# Alertmanager and where it sends


def uses_alert_receiver(settings: StackSettings) -> bool:
    """The stack runs its own receiver unless both routes notify webhooks of their own."""
    return settings.alert_page_url is None or settings.alert_ticket_url is None


def receivers(settings: StackSettings) -> Receivers:
    local = settings.alert_receiver_url
    page, ticket = settings.alert_page_url, settings.alert_ticket_url
    return Receivers(page=[Webhook(url=page.get_secret_value() if page else f"{local}/page")],
                     ticket=[Webhook(url=ticket.get_secret_value() if ticket else f"{local}/ticket")])


def _alertmanager_file(settings: StackSettings) -> Path:
    return _folder(settings, ALERTMANAGER) / "alertmanager.yml"


def write_alertmanager_config(settings: StackSettings) -> Path:
    """dashboards/alerting.py's configuration with this stack's receivers and times. It holds the receivers'
    secrets, so it is readable by its owner only; a restart reuses it (the state file keeps no secrets)."""
    times: dict[str, Any] = dict(settings.notifications)
    notifications = replace(CONFIG.notifications, **times)
    path = _alertmanager_file(settings)
    path.touch(mode=0o600)
    os.chmod(path, 0o600)
    path.write_text(alertmanager_yaml(alertmanager_config(receivers(settings), notifications=notifications)))
    return path


def start_alertmanager_for(settings: StackSettings) -> ServerProcess | None:
    if _binary("prometheus-alertmanager", "prometheus-alertmanager") is None:
        return None
    config = _alertmanager_file(settings)
    if not config.exists():
        write_alertmanager_config(settings)
    return start_alertmanager(settings.alertmanager_port, config, _folder(settings, ALERTMANAGER) / "data",
                              settings.logs_dir / "alertmanager.log")


def start_alert_receiver(settings: StackSettings) -> ServerProcess:
    port = settings.alert_receiver_port
    refuse_busy_port(port, ALERT_RECEIVER)
    log_path = settings.logs_dir / f"{ALERT_RECEIVER}.log"
    process = spawn([sys.executable, "-m", "ops.stack.alert_receiver", "--port", str(port)], log_path, cwd=REPO)
    return _started(ALERT_RECEIVER, port, process, log_path)


# Exporters


def start_redis_exporter(settings: StackSettings) -> ServerProcess | None:
    binary = _binary("prometheus-redis-exporter", "prometheus-redis-exporter")
    if binary is None:
        return None
    port = settings.redis_exporter_port
    refuse_busy_port(port, REDIS_EXPORTER)
    cmd = [binary, f"-redis.addr=redis://127.0.0.1:{settings.redis_port}", f"-web.listen-address=127.0.0.1:{port}",
           "-include-system-metrics", "-redis-only-metrics"]
    log_path = settings.logs_dir / f"{REDIS_EXPORTER}.log"
    return _started(REDIS_EXPORTER, port, spawn(cmd, log_path), log_path)


def start_blackbox_exporter(settings: StackSettings) -> ServerProcess | None:
    binary = _binary("prometheus-blackbox-exporter", "prometheus-blackbox-exporter")
    if binary is None:
        return None
    port = settings.blackbox_port
    refuse_busy_port(port, BLACKBOX)
    cmd = [binary, f"--config.file={BLACKBOX_FILE}", f"--web.listen-address=127.0.0.1:{port}"]
    log_path = settings.logs_dir / f"{BLACKBOX}.log"
    return _started(BLACKBOX, port, spawn(cmd, log_path, cwd=_folder(settings, BLACKBOX)), log_path)


def start_before_prometheus(settings: StackSettings, redis_kind: str) -> list[ServerProcess]:
    """What Prometheus will scrape or send to, in the order it is needed: the alert receiver, Alertmanager, the
    exporters. The Redis exporter only beside a real redis-server (fakeredis answers too little of INFO)."""
    started: list[ServerProcess] = []
    try:
        if uses_alert_receiver(settings):
            started.append(start_alert_receiver(settings))
        write_alertmanager_config(settings)
        starters = [start_alertmanager_for]
        if redis_kind == "redis-server":
            starters.append(start_redis_exporter)
        if settings.with_probes:
            starters.append(start_blackbox_exporter)
        for start in starters:
            server = start(settings)
            if server is not None:
                started.append(server)
    except (ServerError, OSError):
        for server in started:
            server.stop()
        raise
    return started


STARTERS = {ALERTMANAGER: start_alertmanager_for, REDIS_EXPORTER: start_redis_exporter,
            BLACKBOX: start_blackbox_exporter, ALERT_RECEIVER: start_alert_receiver}
"""How ``restart`` starts each again (Prometheus needs to know what else runs, so it is not here)."""
