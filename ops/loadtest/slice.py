"""The security slice: the apps and two gateways of the security run, started beside the stack on its
DynamoDB and Redis, with a signing key the run owns.

Owning the key lets the token-abuse scenario present validly signed but expired or mis-addressed tokens
and lets schemathesis authenticate every request; a slice of its own lets the breaker scenario stop and
restart an upstream without touching the stack's processes. The guard gateway has the tight limits and
the brute-force guard of the profiles file; the open gateway the generous limits and a quick breaker.
Both trust 127.0.0.1 as a proxy, so every scenario speaks for synthetic clients through X-Forwarded-For.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ops.keys import KeyPair, local_platform_env
from ops.loadtest.profiles import SecurityConfig
from ops.loadtest.target import Target
from ops.servers import ServerProcess, free_port, launch_app, wait_healthy

log = logging.getLogger(__name__)

SLICE_APPS = ("auth", "user", "inventory", "order", "insights")
GATEWAYS = ("guard", "open")
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")


@dataclass
class SecuritySlice:
    keys: KeyPair
    key_file: Path
    env: dict[str, str]
    logs: Path
    processes: dict[str, ServerProcess] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.processes[name].port}"

    def gateway_url(self, gateway: str) -> str:
        return self.url(f"{gateway}-gateway")

    def stop_app(self, app: str) -> None:
        self.processes[app].stop()

    def restart_app(self, app: str) -> None:
        """The app again on the same port, with the same environment; returns once it is healthy."""
        port = self.processes[app].port
        self.processes[app] = wait_healthy(launch_app(app, port, self.env, self.logs / f"{app}.log"), timeout=60)

    def stop_all(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()


def _gateway_env(base: dict[str, str], slice_: SecuritySlice, overrides: dict[str, str]) -> dict[str, str]:
    upstreams = {f"GATEWAY_{app.upper()}_URL": slice_.url(app) for app in SLICE_APPS}
    return {**base, **upstreams, **overrides}


@contextmanager
def security_slice(target: Target, config: SecurityConfig, logs: Path, secrets_dir: Path) -> Iterator[SecuritySlice]:
    keys = KeyPair.generate()
    key_file = secrets_dir / "slice-signing-key.pem"
    key_file.touch(mode=0o600)
    key_file.write_text(keys.private_pem)
    logs.mkdir(parents=True, exist_ok=True)
    env = {name: value for name in PASSED_THROUGH if (value := os.environ.get(name))}
    env |= local_platform_env(target.aws_port, target.redis_port, target.table_prefix, keys.public_pem)
    env |= {"AUTH_JWT_PRIVATE_KEY": keys.private_pem, "INVENTORY_PRICE_FEED_ENABLED": "false",
            "GOOGLE_GEMINI_API_KEY": "", "LOG_LEVEL": "INFO"}
    slice_ = SecuritySlice(keys, key_file, env, logs)
    try:
        for app in SLICE_APPS:
            slice_.processes[app] = launch_app(app, free_port(), env, logs / f"{app}.log")
        for gateway, overrides in (("guard", config.guard_gateway.env()), ("open", config.open_gateway.env())):
            name = f"{gateway}-gateway"
            slice_.processes[name] = launch_app("gateway", free_port(), _gateway_env(env, slice_, overrides),
                                                logs / f"{name}.log")
        for process in slice_.processes.values():
            wait_healthy(process, timeout=90)
        log.info("security slice up: guard gateway %s, open gateway %s", slice_.gateway_url("guard"),
                 slice_.gateway_url("open"))
        yield slice_
    finally:
        slice_.stop_all()
