"""Dashboards as JSON models: built from the boards, panel ids numbered in order, keys sorted."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.builders import dashboard
from grafana_foundation_sdk.cog.encoder import JSONEncoder

from dashboards.boards import dependencies, gateway, insights, overview, trading

GENERATED_DIR = Path(__file__).resolve().parent / "generated"
BOARDS: tuple[Callable[[], dashboard.Dashboard], ...] = (
    overview.build,
    gateway.build,
    trading.build,
    insights.build,
    dependencies.build,
)

Model = dict[str, Any]


def _number_panels(model: Model) -> None:
    """Ids by position, so an unchanged layout always gets the same ids."""
    panel_id = 0
    for panel in model.get("panels", []):
        for each in [panel, *panel.get("panels", [])]:
            panel_id += 1
            each["id"] = panel_id


def render(builder: dashboard.Dashboard) -> Model:
    model: Model = json.loads(JSONEncoder(sort_keys=True).encode(builder.build()))
    _number_panels(model)
    return model


@cache
def _models() -> tuple[tuple[str, str], ...]:
    rendered = (render(build()) for build in BOARDS)
    return tuple((model["uid"], to_json(model)) for model in rendered)


def dashboard_models() -> dict[str, Model]:
    """uid -> dashboard JSON model, in a fresh copy the caller may change."""
    return {uid: json.loads(text) for uid, text in _models()}


def to_json(model: Model) -> str:
    return json.dumps(model, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def rendered_dashboard_files() -> dict[Path, str]:
    return {GENERATED_DIR / f"{uid}.json": text for uid, text in _models()}
