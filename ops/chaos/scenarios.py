"""The fault scenarios, read from the one file ``loadtests/chaos.toml``: what is broken, when and for how
long, and the bounds the verdicts hold each scenario to."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from apps.common.services import names
from ops.servers import REPO

SCENARIOS_FILE = REPO / "loadtests" / "chaos.toml"
BACKING = ("aws", "redis")
"""The stack's components besides the services of the catalogue."""

FaultKind = Literal["kill", "lose", "pause", "latency"]


class ScenarioError(ValueError):
    """The scenarios file is invalid or lacks the scenario asked for."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fault(Strict):
    kind: FaultKind
    target: str
    """aws, redis, or a service of the catalogue."""
    at_s: float = Field(ge=0)
    """Seconds after the warm-up."""
    duration_s: float = Field(gt=0)
    delay_ms: int | None = Field(None, gt=0, le=5000)
    """latency only."""

    @model_validator(mode="after")
    def _sensible(self) -> Fault:
        if self.target not in (*BACKING, *names()):
            raise ValueError(f"unknown target {self.target!r}: one of {', '.join((*BACKING, *names()))}")
        if (self.kind == "latency") != (self.delay_ms is not None):
            raise ValueError("delay_ms goes with kind latency, and only with it")
        if self.kind == "lose" and self.target not in BACKING:
            raise ValueError("only aws and redis hold data to lose")
        return self

    @property
    def end_s(self) -> float:
        return self.at_s + self.duration_s

    @property
    def label(self) -> str:
        return f"{self.kind} {self.target}" + (f" +{self.delay_ms} ms" if self.delay_ms else "")


class Defaults(Strict):
    workload: str
    warm_up_s: float = Field(gt=0)
    settle_s: float = Field(gt=0)
    max_recovery_s: float = Field(gt=0)
    max_answer_s: float = Field(gt=0)
    """While a dependency is paused, no request may wait longer than this for its answer."""


class Scenario(Strict):
    description: str
    faults: list[Fault] = Field(min_length=1)
    max_recovery_s: float | None = Field(None, ge=0)
    """Overrides the default bound: a fault's end to the first success of the routes it affected."""
    breaker_opens_for: str | None = None
    """The upstream whose circuit must open while it is down."""
    recovery_routes: list[str] = Field(default_factory=list)
    """Route templates whose first success ends the recovery (default: those the fault's target serves)."""

    @property
    def span_s(self) -> float:
        return max(fault.end_s for fault in self.faults)


class ChaosConfig(Strict):
    defaults: Defaults
    scenarios: dict[str, Scenario]

    def scenario(self, name: str) -> Scenario:
        try:
            return self.scenarios[name]
        except KeyError:
            raise ScenarioError(f"no scenario {name!r}; known: {', '.join(sorted(self.scenarios))}") from None

    def recovery_bound(self, scenario: Scenario) -> float:
        return scenario.max_recovery_s if scenario.max_recovery_s is not None else self.defaults.max_recovery_s

    def run_time_s(self, scenario: Scenario) -> float:
        return self.defaults.warm_up_s + scenario.span_s + self.defaults.settle_s


def load_scenarios(path: Path = SCENARIOS_FILE) -> ChaosConfig:
    try:
        return ChaosConfig.model_validate(tomllib.loads(path.read_text()))
    except (ValidationError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
