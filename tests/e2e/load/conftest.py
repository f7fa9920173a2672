"""A local stack for the load tests, brought up like `make up` on free ports, and the runner as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ops.servers import REPO
from ops.stack import runner
from ops.stack.config import StackSettings

RUNNER_TIMEOUT_S = 240


@dataclass(frozen=True)
class RunnerResult:
    returncode: int
    output: str
    report: dict[str, Any]
    directory: Path


def stack_env(run_dir: Path) -> dict[str, str]:
    """The runner finds the stack at HOST through its state file, as after `make up`."""
    inherited = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return {**inherited, "STACK_RUN_DIR": str(run_dir), "STACK_WITH_PROMETHEUS": "false"}


def run_loadtest(args: list[str], reports: Path, env: dict[str, str]) -> RunnerResult:
    """``python -m ops.loadtest ...`` as its own process: its exit code is what CI would see."""
    done = subprocess.run([sys.executable, "-m", "ops.loadtest", *args, "--reports-dir", str(reports)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=RUNNER_TIMEOUT_S)
    directories = sorted(path for path in reports.iterdir() if (path / "summary.json").exists())
    report = json.loads((directories[-1] / "summary.json").read_text()) if directories else {}
    return RunnerResult(done.returncode, done.stdout + done.stderr, report, directories[-1] if directories else reports)


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StackSettings, dict[str, str]]]:
    run_dir = tmp_path_factory.mktemp("load-stack")
    settings = StackSettings.on_free_ports(run_dir, with_prometheus=False)
    runner.up(settings)
    try:
        yield settings, stack_env(run_dir)
    finally:
        assert runner.down(settings) == []
