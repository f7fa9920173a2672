"""Reading the components' log files: the last lines, or following them as they grow."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path

from ops.stack.config import StackSettings


def _files(settings: StackSettings, component: str | None) -> list[Path]:
    files = sorted(settings.logs_dir.glob("*.log"))
    return [f for f in files if component is None or f.stem == component]


def show_logs(settings: StackSettings, component: str | None, lines: int, follow: bool,
              sleep: Callable[[float], None]) -> int:
    files = _files(settings, component)
    if not files:
        print(f"no logs{' for ' + component if component else ''} in {settings.logs_dir}")
        return 1
    offsets = {}
    for path in files:
        with path.open(errors="replace") as handle:
            for line in deque(handle, maxlen=lines):
                print(f"{path.stem:>10} | {line}", end="")
            offsets[path] = handle.tell()
    while follow:
        sleep(0.5)
        for path in files:
            with path.open(errors="replace") as handle:
                handle.seek(offsets[path])
                for line in handle:
                    print(f"{path.stem:>10} | {line}", end="", flush=True)
                offsets[path] = handle.tell()
    return 0
