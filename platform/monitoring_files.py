"""Reads the monitoring-as-code output (``dashboards/``): generated dashboards and Prometheus rule files.

Both folders may be absent or empty while that work is in progress: that means nothing to deploy yet.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml


class MonitoringFileError(ValueError):
    """A dashboard or rule file cannot be deployed; the message names the file."""


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


def read_rule_groups(folder: Path | None) -> list[dict[str, Any]]:
    """The ``groups`` of every Prometheus rule file; promtool test files (``rule_files``) are skipped."""
    if folder is None or not folder.is_dir():
        return []
    groups: list[dict[str, Any]] = []
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        try:
            document = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise MonitoringFileError(f"{path}: not YAML ({exc})") from exc
        if not isinstance(document, dict) or "rule_files" in document:
            continue
        found = document.get("groups")
        if not isinstance(found, list):
            raise MonitoringFileError(f"{path}: a rule file needs a list of groups")
        groups.extend(found)
    names = [str(group.get("name")) for group in groups]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise MonitoringFileError(f"rule group names must be unique across files: {duplicates}")
    return groups
