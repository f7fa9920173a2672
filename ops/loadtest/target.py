"""The stack a run drives: one it brings up itself (on free ports, torn down afterwards) or one already
running at HOST, which must be the gateway of a local stack on 127.0.0.1 started by ``make up``.

A run's traffic goes to 127.0.0.1 only, unless told otherwise: ``allowed_url`` refuses any other host before
anything starts, but the stack's own gateway (what its Pulumi outputs name, for a run from its cluster) and,
with ``--allow-remote-target``, a host its operator names.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from apps.common.services import names
from apps.common.settings import PlatformSettings
from ops.launcher import LocalPlatform
from ops.stack import runner
from ops.stack.components import LOCAL_GATEWAY_SETTINGS
from ops.stack.config import StackSettings
from ops.stack.state import Component, StackState

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class TargetError(RuntimeError):
    """The run cannot target this host or stack; the message says why."""


def loopback_url(host: str) -> str:
    """``http://127.0.0.1:PORT`` from HOST (``127.0.0.1:8080`` or ``http://127.0.0.1:8080``), or refusal."""
    parts = urlsplit(host if "://" in host else f"http://{host}")
    if parts.scheme != "http" or parts.hostname != LOOPBACK or parts.username or parts.password:
        raise TargetError(f"refusing HOST={host!r}: load and security runs only ever target http://127.0.0.1:PORT")
    if parts.path not in ("", "/") or parts.query:
        raise TargetError(f"HOST={host!r} must be the gateway's base URL, without a path")
    try:
        port = parts.port
    except ValueError as exc:
        raise TargetError(f"HOST={host!r} has no valid port") from exc
    return f"http://{LOOPBACK}:{port or 80}"


def allowed_url(host: str, *, allow_remote: bool = False, own: str | None = None) -> str:
    """HOST as a gateway base URL, when a run may send traffic there: 127.0.0.1; the stack's own gateway
    (``own``); any http(s) host with ``allow_remote``. Anything else is refused."""
    parts = urlsplit(host if "://" in host else f"http://{host}")
    if parts.hostname == LOOPBACK:
        return loopback_url(host)
    if own is not None and host.rstrip("/") == own.rstrip("/"):
        return own.rstrip("/")
    if not allow_remote:
        raise TargetError(f"refusing HOST={host!r}: runs target http://127.0.0.1:PORT (or a stack's own gateway, "
                          "TARGET=<stack>); --allow-remote-target (ALLOW_REMOTE_TARGET=1) to load another host")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise TargetError(f"HOST={host!r} is not an http(s) URL without credentials")
    if parts.path not in ("", "/") or parts.query:
        raise TargetError(f"HOST={host!r} must be the gateway's base URL, without a path")
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Target:
    gateway_url: str
    aws_port: int
    redis_port: int
    table_prefix: str
    components: list[Component]
    owned: bool
    """True when this run brought the stack up (and takes it down)."""
    stack: StackSettings

    def lose_redis_data(self) -> None:
        """Restarts the stack's Redis without its data (only a stack the run owns)."""
        if not self.owned:
            raise TargetError("refusing to restart the Redis of a stack this run did not start")
        runner.restart(self.stack, runner.REDIS, lose_data=True)

    @property
    def gateway_overrides(self) -> dict[str, object]:
        """What ``ops.stack`` gives its gateway beyond the gateway's defaults."""
        return dict(LOCAL_GATEWAY_SETTINGS)

    def app_url(self, app: str) -> str:
        component = next(c for c in self.components if c.name == app)
        return f"http://{LOOPBACK}:{component.port}"

    def platform_settings(self) -> PlatformSettings:
        return LocalPlatform(self.aws_port, self.redis_port, self.table_prefix).settings()

    @property
    def pids(self) -> dict[str, int]:
        return {c.name: c.pid for c in self.components if c.pid}


def _from_state(state: StackState, settings: StackSettings, gateway_url: str, owned: bool) -> Target:
    by_name = {c.name: c for c in state.components}
    aws, redis = by_name.get(runner.AWS), by_name.get(runner.REDIS)
    if aws is None or redis is None or any(app not in by_name for app in names()):
        raise TargetError(f"the stack state in {settings.state_file} lacks DynamoDB, Redis or an app")
    return Target(gateway_url, aws.port, redis.port, settings.table_prefix, state.components, owned, settings)


def running_stack(host: str) -> Target:
    """The stack ``make up`` started (its state file, ``STACK_RUN_DIR``) whose gateway is HOST."""
    url = loopback_url(host)
    settings = StackSettings()
    state = StackState.load(settings.state_file)
    if state is None:
        raise TargetError(f"no stack state in {settings.state_file}: HOST must be a stack started by `make up` "
                          "(its DynamoDB is read for the invariants); or leave HOST out to run on a fresh stack")
    gateway = next((c for c in state.components if c.name == "gateway"), None)
    if gateway is None or url != f"http://{LOOPBACK}:{gateway.port}":
        raise TargetError(f"HOST={url} is not the gateway of the stack in {settings.state_file}")
    if not all(row.running and row.healthy is not False for row in runner.status(settings)):
        raise TargetError("the stack at HOST is not healthy (`make status`)")
    return _from_state(state, settings, url, owned=False)


@contextmanager
def fresh_stack(run_dir: Path) -> Iterator[Target]:
    """A whole local stack on free ports, its logs under ``run_dir``; stopped however the block ends. No
    synthetic probes: every request the gateway counts is the run's (the cross-check compares them)."""
    settings = StackSettings.on_free_ports(run_dir, with_probes=False)
    log.info("bringing up a local stack (logs in %s)", settings.logs_dir)
    try:
        state = runner.up(settings)
    except runner.StackError as exc:
        raise TargetError(f"the local stack did not come up: {exc}") from exc
    try:
        log.info("stack healthy after %.1fs; gateway %s", state.ready_seconds, settings.gateway_url)
        yield _from_state(state, settings, settings.gateway_url, owned=True)
    finally:
        stubborn = runner.down(settings)
        if stubborn:
            log.error("would not stop: %s", ", ".join(stubborn))


@contextmanager
def stack_target(host: str | None, run_dir: Path) -> Iterator[Target]:
    if host:
        yield running_stack(host)
    else:
        with fresh_stack(run_dir) as target:
            yield target
