"""amtool, Alertmanager's command-line tool, for the configuration tests (skipped where it is missing,
failing in CI like promtool)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ops.servers import REPO
from tests.unit.monitoring.promql_support import in_ci


def amtool() -> str:
    found = shutil.which("amtool")
    if found is None:
        missing = "amtool is not installed (Debian package `prometheus-alertmanager`; `make setup` installs it as root)"
        if in_ci():
            pytest.fail(f"{missing}: CI runs the Alertmanager tests, it does not skip them")
        pytest.skip(missing)
    return found


def run_amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([amtool(), *args], capture_output=True, text=True, cwd=REPO, check=False)


def routed_to(config: Path, labels: dict[str, str]) -> str:
    """The receiver(s) ``amtool config routes test`` picks for an alert with ``labels``."""
    result = run_amtool("config", "routes", "test", f"--config.file={config}",
                        *(f"{name}={value}" for name, value in labels.items()))
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()
