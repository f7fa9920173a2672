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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from apps.common.services import public_entry, upstreams
from ops.keys import KeyPair
from ops.launcher import LocalPlatform, ServiceGroup, deterministic_settings
from ops.loadtest.profiles import SecurityConfig
from ops.loadtest.target import Target

log = logging.getLogger(__name__)



@dataclass
class SecuritySlice:
    keys: KeyPair
    key_file: Path
    services: ServiceGroup

    def gateway_url(self, gateway: str) -> str:
        return self.services.url(f"{gateway}-gateway")

    def stop_app(self, app: str) -> None:
        self.services.stop(app)

    def restart_app(self, app: str) -> None:
        """The app again on the same port, with the same settings; returns once it is healthy."""
        self.services.restart(app)


@contextmanager
def security_slice(target: Target, config: SecurityConfig, logs: Path, secrets_dir: Path) -> Iterator[SecuritySlice]:
    keys = KeyPair.generate()
    key_file = secrets_dir / "slice-signing-key.pem"
    keys.save(key_file)
    services = ServiceGroup(LocalPlatform(target.aws_port, target.redis_port, target.table_prefix, keys), logs)
    try:
        for entry in upstreams():
            services.launch(entry, settings=deterministic_settings(entry))
        for gateway, overrides in (("guard", config.guard_gateway), ("open", config.open_gateway)):
            services.launch(public_entry(), f"{gateway}-gateway", overrides.settings)
        services.wait_healthy(timeout=90)
        slice_ = SecuritySlice(keys, key_file, services)
        log.info("security slice up: guard gateway %s, open gateway %s", slice_.gateway_url("guard"),
                 slice_.gateway_url("open"))
        yield slice_
    finally:
        services.stop_all()
