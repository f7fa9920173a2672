"""CPU and memory of the stack's processes (and the load generator's) while a run goes, from /proc.

CPU is the process's user+system time over the sampled interval, as a percentage of one core; memory is
the largest resident set seen.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND  # utime, stime


def resident_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass(frozen=True)
class Usage:
    name: str
    role: str  # stack | generator
    cpu_percent: float
    peak_rss_mb: float


class ResourceSampler:
    """Samples named processes once a second on a thread; ``stop`` returns each one's usage."""

    def __init__(self, interval_s: float = 1.0):
        self.interval_s = interval_s
        self._watched: dict[str, tuple[int, str]] = {}
        self._first: dict[str, tuple[float, float]] = {}
        self._last: dict[str, tuple[float, float]] = {}
        self._peak: dict[str, float] = {}
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="resource-sampler", daemon=True)

    def watch(self, name: str, pid: int, role: str) -> None:
        with self._lock:
            self._watched[name] = (pid, role)
        self._sample(name, pid)

    def start(self) -> ResourceSampler:
        self._thread.start()
        return self

    def _sample(self, name: str, pid: int) -> None:
        used = cpu_seconds(pid)
        if used is None:
            return
        now = time.monotonic()
        with self._lock:
            self._first.setdefault(name, (now, used))
            self._last[name] = (now, used)
            self._peak[name] = max(self._peak.get(name, 0.0), resident_mb(pid))

    def _loop(self) -> None:
        while not self._done.wait(self.interval_s):
            with self._lock:
                watched = dict(self._watched)
            for name, (pid, _) in watched.items():
                self._sample(name, pid)

    def stop(self) -> list[Usage]:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        for name, (pid, _) in dict(self._watched).items():
            self._sample(name, pid)
        usage = []
        for name, (_, role) in self._watched.items():
            if name not in self._first:
                continue
            (t0, c0), (t1, c1) = self._first[name], self._last[name]
            percent = 100 * (c1 - c0) / (t1 - t0) if t1 > t0 else 0.0
            usage.append(Usage(name, role, round(percent, 1), round(self._peak.get(name, 0.0), 1)))
        return usage
