"""Every generated file (dashboard JSON, rule files, provisioning files, Alertmanager and blackbox exporter
configurations), written or checked."""

from __future__ import annotations

from pathlib import Path

from dashboards.alerting import rendered_alerting_files
from dashboards.build import GENERATED_DIR, rendered_dashboard_files
from dashboards.file_provisioning import rendered_provisioning_files
from dashboards.probes import rendered_probe_files
from dashboards.rules.render import rendered_rule_files


def expected_files() -> dict[Path, str]:
    return {**rendered_dashboard_files(), **rendered_rule_files(), **rendered_provisioning_files(),
            **rendered_alerting_files(), **rendered_probe_files()}


def stale_files() -> list[Path]:
    """Generated files missing or different from what the code generates now, and leftovers in generated/."""
    expected = expected_files()
    different = [path for path, text in expected.items() if not path.exists() or path.read_text() != text]
    leftovers = [path for path in sorted(GENERATED_DIR.glob("*.json")) if path not in expected]
    return different + leftovers


def write_files() -> list[Path]:
    """Writes what changed and removes dashboards no longer built; returns the paths touched."""
    touched = stale_files()
    expected = expected_files()
    for path in touched:
        if path in expected:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(expected[path])
        else:
            path.unlink()
    return touched
