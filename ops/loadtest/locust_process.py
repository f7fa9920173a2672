"""Running Locust for a profile: one local process, or a master and N worker processes (Locust's own
distributed runner), headless, bounded in time, every output in one folder. ``LocustJob`` is the one place
Locust's command line is written: the cluster's load Jobs (``stacks/load_and_chaos.py``) use it too.
"""

from __future__ import annotations

import logging
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ops.loadtest.profiles import LOCUSTFILES_DIR, Profile
from ops.servers import REPO, free_port
from ops.stack.state import stop_process_group

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
STARTUP_ALLOWANCE_S = 120.0
"""Beyond the planned duration: imports, workers connecting, users' on_start, reports being written."""


@dataclass(frozen=True)
class LocustJob:
    profile_name: str
    profile: Profile
    profiles_file: Path
    host: str
    out_dir: Path
    workers: int = 0
    extra_args: tuple[str, ...] = ()
    python: str = sys.executable
    """The interpreter that runs Locust: this one, or ``python`` in the load image."""
    locustfiles_dir: Path = LOCUSTFILES_DIR
    """Where the locustfiles are: here, or in the load image."""

    @property
    def summary_path(self) -> Path:
        return self.out_dir / "locust-summary.json"

    @property
    def history_csv(self) -> Path:
        return self.out_dir / "locust_stats_history.csv"

    @property
    def deadline_s(self) -> float:
        return self.profile.duration_s + self.profile.stop_timeout_s + STARTUP_ALLOWANCE_S

    def locustfiles(self) -> str:
        names = [*self.profile.locustfiles, *(["shape.py"] if self.profile.stages else [])]
        return ",".join(str(self.locustfiles_dir / name) for name in names)

    def main_command(self, master_port: int | None = None, bind_host: str = LOOPBACK,
                     workers_wait_s: int = 60) -> list[str]:
        profile = self.profile
        command = [
            self.python, "-m", "locust", "-f", self.locustfiles(), "--headless", "--host", self.host,
            "--csv", str(self.out_dir / "locust"), "--csv-full-history", "--html", str(self.out_dir / "report.html"),
            "--only-summary",
            "--stop-timeout", str(math.ceil(profile.stop_timeout_s)), "--exit-code-on-error", "1",
            "--loglevel", "INFO", "--logfile", str(self.out_dir / "locust.log"),
            "--cnop-profile", self.profile_name, "--cnop-profiles-file", str(self.profiles_file),
            "--cnop-summary", str(self.summary_path), *self.extra_args,
        ]
        if not profile.stages:
            command += ["-u", str(profile.users), "-r", str(profile.spawn_rate),
                        "-t", f"{math.ceil(profile.run_time_s or 0)}s"]
        if master_port is not None:
            command += ["--master", "--master-bind-host", bind_host, "--master-bind-port", str(master_port),
                        "--expect-workers", str(self.workers), "--expect-workers-max-wait", str(workers_wait_s)]
        return command

    def worker_command(self, index: int | None, master_port: int, master_host: str = LOOPBACK) -> list[str]:
        """A worker logging to its own file in the run's folder, or (``index`` None: a pod) to its output."""
        command = [self.python, "-m", "locust", "-f", self.locustfiles(), "--worker", "--master-host", master_host,
                   "--master-port", str(master_port), "--loglevel", "INFO"]
        return command if index is None else [*command, "--logfile", str(self.out_dir / f"worker-{index}.log")]


@dataclass
class LocustOutcome:
    exit_code: int
    timed_out: bool
    seconds: float
    pids: list[int] = field(default_factory=list)


class LocustRun:
    """Started on construction; ``wait`` returns the master's (or the single process's) exit code."""

    def __init__(self, job: LocustJob):
        self.job = job
        job.out_dir.mkdir(parents=True, exist_ok=True)
        self.started = time.monotonic()
        master_port = free_port() if job.workers > 0 else None
        self.main = self._spawn(job.main_command(master_port), "locust-output.log")
        self.workers = [self._spawn(job.worker_command(i, master_port), f"worker-{i}-output.log")
                        for i in range(job.workers)] if master_port is not None else []
        log.info("locust %s: %s", job.profile_name, " ".join(job.main_command(master_port)[2:]))

    def _spawn(self, command: list[str], output: str) -> subprocess.Popen[bytes]:
        with open(self.job.out_dir / output, "ab") as sink:
            return subprocess.Popen(command, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT,
                                    start_new_session=True)

    @property
    def pids(self) -> list[int]:
        return [self.main.pid, *(worker.pid for worker in self.workers)]

    def wait(self) -> LocustOutcome:
        timed_out = False
        try:
            code = self.main.wait(timeout=self.job.deadline_s)
        except subprocess.TimeoutExpired:
            log.error("locust overran its %.0fs bound: stopping it", self.job.deadline_s)
            timed_out = True
            stop_process_group(self.main.pid)
            code = self.main.wait()
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                stop_process_group(worker.pid)
        return LocustOutcome(code if not timed_out else 124, timed_out, time.monotonic() - self.started, self.pids)

    def stop(self) -> None:
        for process in (self.main, *self.workers):
            if process.poll() is None:
                stop_process_group(process.pid)
