"""Schemas for the custom resources the stacks create that kubernetes-validate knows nothing of: Chaos Mesh's
(``ops/schemas/chaos-mesh-<version>.schema.json``, the subset the stacks use, written from its API types for
the chart version the Chaos component pins). ``make scan`` checks every rendered object of such a group."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from cnop_platform.chaos import ChaosArgs

from ops.servers import REPO

SCHEMAS = REPO / "ops" / "schemas"
CHAOS_MESH_GROUP = "chaos-mesh.org"


def chaos_mesh_schema_path(version: str = ChaosArgs.chart_version) -> Path:
    return SCHEMAS / f"chaos-mesh-{version}.schema.json"


@cache
def _validator(path: Path) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(path.read_text()))


def custom_resource_problems(body: dict[str, Any]) -> list[str]:
    """What is wrong with a custom resource of a group we hold a schema for; nothing for other groups."""
    group = str(body.get("apiVersion", "")).split("/")[0]
    if group != CHAOS_MESH_GROUP:
        return []
    validator = _validator(chaos_mesh_schema_path())
    return [f"{error.message} at {list(error.absolute_path)}"
            for error in sorted(validator.iter_errors(body), key=lambda error: list(error.absolute_path))]
