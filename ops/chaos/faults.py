"""Injecting faults into the real processes of a local stack, and taking them back.

Every fault acts on the process the stack's state file names (so it follows restarts): SIGKILL of its
process group then ``make restart`` (with or without its data), SIGSTOP then SIGCONT, or a netem delay on
loopback for its port. Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time

from ops.chaos.scenarios import Fault
from ops.stack import runner
from ops.stack.config import StackSettings
from ops.stack.state import StackState, alive

log = logging.getLogger(__name__)


class FaultError(RuntimeError):
    """A fault could not be injected or taken back; the message says why."""


def latency_unavailable() -> str | None:
    """Why a latency fault cannot run here, or None when it can (root, tc, the netem qdisc in the kernel)."""
    tc = shutil.which("tc")
    if tc is None or os.geteuid() != 0:
        return "needs root and tc (iproute2)"
    probe = subprocess.run([tc, "qdisc", "add", "dev", "lo", "root", "handle", "1:", "prio", "bands", "4"],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"tc cannot add a prio/netem qdisc on loopback here: {probe.stderr.strip()}"
    subprocess.run([tc, "qdisc", "del", "dev", "lo", "root"], capture_output=True, check=False)
    return None


class Injector:
    def __init__(self, stack: StackSettings):
        self.stack = stack

    def start(self, fault: Fault) -> None:
        log.info("fault: %s for %.0fs", fault.label, fault.duration_s)
        if fault.kind in ("kill", "lose"):
            self._signal(fault.target, signal.SIGKILL)
            self._wait_gone(fault.target)
        elif fault.kind == "pause":
            self._signal(fault.target, signal.SIGSTOP)
        else:
            self._delay(fault.target, fault.delay_ms or 0)

    def end(self, fault: Fault) -> None:
        log.info("restore: %s", fault.label)
        if fault.kind in ("kill", "lose"):
            runner.restart(self.stack, fault.target, lose_data=fault.kind == "lose")
        elif fault.kind == "pause":
            self._signal(fault.target, signal.SIGCONT)
        else:
            self._tc("qdisc", "del", "dev", "lo", "root")

    def _pid(self, target: str) -> int:
        state = StackState.load(self.stack.state_file)
        component = state.component(target) if state else None
        if component is None or component.pid is None:
            raise FaultError(f"no process of {target!r} in the stack")
        return component.pid

    def _signal(self, target: str, sig: signal.Signals) -> None:
        try:
            os.killpg(self._pid(target), sig)
        except ProcessLookupError as exc:
            raise FaultError(f"{target} was not running") from exc

    def _wait_gone(self, target: str, timeout: float = 10.0) -> None:
        pid = self._pid(target)
        deadline = time.monotonic() + timeout
        while alive(pid):
            if time.monotonic() > deadline:
                raise FaultError(f"{target} (pid {pid}) survived SIGKILL")
            time.sleep(0.02)

    def _delay(self, target: str, delay_ms: int) -> None:
        port = self._port(target)
        self._tc("qdisc", "add", "dev", "lo", "root", "handle", "1:", "prio", "bands", "4")
        self._tc("qdisc", "add", "dev", "lo", "parent", "1:4", "handle", "40:", "netem", "delay", f"{delay_ms}ms")
        self._tc("filter", "add", "dev", "lo", "protocol", "ip", "parent", "1:0", "prio", "4", "u32",
                 "match", "ip", "dport", str(port), "0xffff", "flowid", "1:4")

    def _port(self, target: str) -> int:
        state = StackState.load(self.stack.state_file)
        component = state.component(target) if state else None
        if component is None:
            raise FaultError(f"no component {target!r} in the stack")
        return component.port

    @staticmethod
    def _tc(*args: str) -> None:
        done = subprocess.run(["tc", *args], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise FaultError(f"tc {' '.join(args)}: {done.stderr.strip()}")
