"""Reads the monitoring-as-code output (``dashboards/generated``): the generated dashboards.

The folder may be absent or empty while that work is in progress: that means nothing to deploy yet. (The rules
reach a cluster as data, ``dashboards.rules.render.prometheus_rule_groups``, with the stack's runbook URL.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path


class MonitoringFileError(ValueError):
    """A dashboard file cannot be deployed; the message names the file."""


def slug(stem: str) -> str:
    """A Kubernetes-name-safe version of a file name."""
    text = re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-")
    if not text:
        raise MonitoringFileError(f"no usable name in {stem!r}")
    return text[:50]


def read_dashboards(folder: Path | None) -> dict[str, str]:
    """Dashboard JSON by slug, sorted by file name; each must parse and carry a ``uid``."""
    if folder is None or not folder.is_dir():
        return {}
    dashboards: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            document = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise MonitoringFileError(f"{path}: not JSON ({exc})") from exc
        if not isinstance(document, dict) or not document.get("uid"):
            raise MonitoringFileError(f"{path}: a dashboard needs a stable uid")
        name = slug(path.stem)
        if name in dashboards:
            raise MonitoringFileError(f"{path}: another dashboard already maps to {name!r}")
        dashboards[name] = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return dashboards
