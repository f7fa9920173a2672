"""The load and security profiles, read from the one config file ``loadtests/profiles.toml``.

A profile says who runs (locustfiles), how many and for how long (users, spawn rate and run time, or
load-shape stages), how fast each simulated user thinks, the request-count cap, and the gates that
decide the run: latency percentiles per endpoint group, the error ratio and the minimum throughput.
The ``security`` section holds the gateway settings of the security run.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from apps.gateway.settings import DEFAULT_RATE_LIMITS, GatewaySettings
from ops.servers import REPO

PROFILES_FILE = REPO / "loadtests" / "profiles.toml"
LOCUSTFILES_DIR = REPO / "loadtests"


class ProfileError(ValueError):
    """The profiles file is invalid or lacks the profile asked for."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stage(Strict):
    duration_s: float = Field(gt=0)
    users: int = Field(ge=0)
    spawn_rate: float = Field(gt=0)


class LatencyLimits(Strict):
    """Upper limits in milliseconds; an absent percentile is not gated."""

    p50: float | None = Field(None, gt=0)
    p95: float | None = Field(None, gt=0)
    p99: float | None = Field(None, gt=0)


class Gates(Strict):
    max_error_ratio: float = Field(0.0, ge=0, le=1)
    min_rps: float | None = Field(None, ge=0)
    """Over the whole run, ramps included."""
    min_peak_rps: float | None = Field(None, ge=0)
    """The best ten seconds: the throughput at saturation."""
    latency_ms: dict[str, LatencyLimits] = Field(default_factory=dict)
    """Per endpoint group (the route table's groups: public, auth, login, default, trading, insights) or ``all``."""


class Profile(Strict):
    description: str
    locustfiles: list[str] = Field(min_length=1)
    users: int | None = Field(None, ge=1)
    spawn_rate: float | None = Field(None, gt=0)
    run_time_s: float | None = Field(None, gt=0)
    stages: list[Stage] = Field(default_factory=list)
    think_time_s: tuple[float, float] = (0.5, 1.5)
    max_requests: int = Field(gt=0)
    """The run stops when this many requests were made, whatever its duration."""
    stop_timeout_s: float = Field(10.0, ge=0)
    warm_up_s: float = Field(0.0, ge=0)
    """The run's first seconds, reported on their own and judged only by the error gates: a fresh stack's
    first requests (new connections, DynamoDB Local's JIT) are its start-up, not its steady state."""
    gates: Gates = Field(default_factory=Gates)

    @model_validator(mode="after")
    def _one_way_to_size_the_run(self) -> Profile:
        fixed = (self.users, self.spawn_rate, self.run_time_s)
        if self.stages and any(value is not None for value in fixed):
            raise ValueError("give either stages or users, spawn_rate and run_time_s, not both")
        if not self.stages and any(value is None for value in fixed):
            raise ValueError("give users, spawn_rate and run_time_s (or stages)")
        low, high = self.think_time_s
        if not 0 <= low <= high:
            raise ValueError("think_time_s is [min, max] with 0 <= min <= max")
        if self.warm_up_s >= self.duration_s:
            raise ValueError("warm_up_s must be shorter than the run")
        for name in self.locustfiles:
            if not (LOCUSTFILES_DIR / name).is_file():
                raise ValueError(f"no locustfile loadtests/{name}")
        return self

    @property
    def duration_s(self) -> float:
        return sum(stage.duration_s for stage in self.stages) if self.stages else float(self.run_time_s or 0)

    @property
    def peak_users(self) -> int:
        return max(stage.users for stage in self.stages) if self.stages else int(self.users or 0)


class GatewayOverrides(Strict):
    """Settings of a gateway started for the security run, by ``GatewaySettings`` field name."""

    settings: dict[str, Any]

    @field_validator("settings")
    @classmethod
    def _known_fields(cls, settings: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(settings) - set(GatewaySettings.model_fields))
        if unknown:
            raise ValueError(f"not gateway settings: {', '.join(unknown)}")
        return settings

    def in_force(self) -> dict[str, Any]:
        return gateway_config_in_force(self.settings)


class SecurityConfig(Strict):
    guard_gateway: GatewayOverrides
    """Tight limits and the brute-force guard: rate-limit burst, brute-force login."""
    open_gateway: GatewayOverrides
    """Generous limits, a quick breaker: token abuse, circuit breaker, schemathesis."""
    fuzz_examples: int = Field(10, ge=1)
    """Schemathesis examples per operation and generation mode."""


class LoadtestConfig(Strict):
    profiles: dict[str, Profile]
    security: SecurityConfig

    def profile(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            raise ProfileError(f"no profile {name!r}; known: {', '.join(sorted(self.profiles))}") from None


def _raw(path: Path) -> dict[str, Any]:
    raw = tomllib.loads(path.read_text())
    security = raw.get("security", {})
    for gateway in ("guard_gateway", "open_gateway"):
        if gateway in security:
            security[gateway] = {"settings": security[gateway]}
    return raw


@lru_cache
def load_config(path: Path = PROFILES_FILE) -> LoadtestConfig:
    try:
        return LoadtestConfig.model_validate(_raw(path))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc


GATEWAY_CONFIG_FIELDS = (
    "rate_limits", "rate_limit_fail_mode", "trusted_proxies", "login_max_failures", "login_failure_window_seconds",
    "login_block_seconds", "breaker_failure_threshold", "breaker_cooldown_seconds", "breaker_half_open_successes",
    "connect_timeout_seconds", "read_timeout_seconds",
)


def gateway_config_in_force(overrides: dict[str, Any]) -> dict[str, Any]:
    """The limiter, brute-force and breaker settings a gateway runs with: its defaults plus ``overrides``
    (rate-limit groups are merged over the default groups, as ``GatewaySettings`` does)."""
    config: dict[str, Any] = {}
    for name in GATEWAY_CONFIG_FIELDS:
        default = GatewaySettings.model_fields[name].get_default(call_default_factory=True)
        config[name] = overrides.get(name, default)
    rules = {group: rule.model_dump() for group, rule in DEFAULT_RATE_LIMITS.items()}
    config["rate_limits"] = {**rules, **overrides.get("rate_limits", {})}
    return config
