"""Helpers for the monitoring tests: promtool, the metrics catalogue, and metric names in PromQL."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from ops.servers import REPO

CATALOGUE = REPO / "docs" / "metrics.md"
PROMETHEUS_OWN_SERIES = {"up"}
"""Series Prometheus writes itself, beside the ones the apps export."""

_CATALOGUE_ROW = re.compile(r"^\|\s*`(?P<name>[a-z_:][a-z0-9_:]*)`\s*\|\s*(?P<type>counter|gauge|histogram)\s*\|",
                            re.MULTILINE)
_STRING = re.compile(r'"(?:\\.|[^"\\])*"')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}


def in_ci() -> bool:
    """CI sets ``CI`` (``CI=true``); there a missing tool fails the rule tests instead of skipping them."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        missing = "promtool is not installed (Debian package `prometheus`; `make setup` installs it as root)"
        if in_ci():
            pytest.fail(f"{missing}: CI runs the rule tests, it does not skip them")
        pytest.skip(missing)
    return found


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *args], capture_output=True, text=True, cwd=REPO, check=False)


def catalogued_metrics() -> dict[str, str]:
    """Metric name -> type, from docs/metrics.md's tables."""
    return {m.group("name"): m.group("type") for m in _CATALOGUE_ROW.finditer(CATALOGUE.read_text())}


def exported_series_names() -> set[str]:
    """Every series name the catalogue's metrics expose, histograms' _bucket, _count and _sum included."""
    names = set(PROMETHEUS_OWN_SERIES)
    for name, kind in catalogued_metrics().items():
        names.add(name)
        if kind == "histogram":
            names.update(f"{name}{suffix}" for suffix in ("_bucket", "_count", "_sum"))
    return names


def metric_names(expr: str) -> set[str]:
    """Series names an expression selects: identifiers that are not functions, keywords or labels."""
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub("", text)
    text = _RANGE.sub("", text)
    text = _GROUPING.sub("", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        is_call = text[match.end():].lstrip().startswith("(")
        if not is_call and match.group() not in _KEYWORDS:
            names.add(match.group())
    return names
