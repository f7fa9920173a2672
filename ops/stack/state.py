"""What a running stack is: its processes (pid, port, log), kept in the run folder between commands."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Component:
    name: str
    kind: str  # the implementation: dynamodb-local, moto, redis-server, fakeredis, uvicorn, prometheus, external
    port: int
    pid: int | None
    log: str | None
    health_url: str | None


@dataclass(frozen=True)
class StackState:
    started_at: float
    ready_seconds: float
    components: list[Component]
    settings: dict[str, Any] = field(default_factory=dict)
    """The stack's settings as ``up`` had them: a restart starts a component exactly as ``up`` did."""

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, default=str) + "\n")

    @classmethod
    def load(cls, path: Path) -> StackState | None:
        if not path.exists():
            return None
        raw = json.loads(path.read_text())
        return cls(raw["started_at"], raw["ready_seconds"], [Component(**c) for c in raw["components"]],
                   raw.get("settings", {}))

    def component(self, name: str) -> Component | None:
        """By name (``redis``, ``aws``, ``order``...) or by kind (``redis-server``, ``dynamodb-local``...)."""
        return next((c for c in self.components if name in (c.name, c.kind)), None)

    def replacing(self, component: Component) -> StackState:
        components = [component if c.name == component.name else c for c in self.components]
        return replace(self, components=components)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _not_a_zombie(pid)


def _not_a_zombie(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return True
    return fields[0] != "Z"


def resident_bytes(pid: int) -> int:
    """Resident memory of the process (VmRSS), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def stop_process_group(pid: int, timeout: float = 10.0) -> bool:
    """SIGTERM to the process group the component leads, SIGKILL after ``timeout``; True when gone."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            _reap(pid)
            if not alive(pid):
                return True
            time.sleep(0.05)
    return not alive(pid)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
