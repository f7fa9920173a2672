"""The stack config's ``loadtest`` and ``chaos`` sections: load from inside the cluster (Locust Jobs that
``make loadtest TARGET=<stack>`` starts) and the fault scenarios as Chaos Mesh experiments. Their profiles
and scenarios are named here and defined once, in ``loadtests/profiles.toml`` and ``loadtests/chaos.toml``.
``check_load_and_chaos`` ties them to the rest of the stack (``stacks/config.py`` calls it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from cnop_platform.chaos import ChaosArgs
from cnop_platform.load_generator import LoadGeneratorArgs
from pydantic import AfterValidator

from ops.chaos.scenarios import load_scenarios
from ops.loadtest.profiles import load_config
from stacks.config_types import (
    ChartVersion,
    ConfigRuleError,
    Count,
    CpuQuantity,
    Flag,
    MemoryQuantity,
    Section,
    component_default,
    matching,
)

if TYPE_CHECKING:
    from stacks.config import StackConfig

SECURITY_PREFIX = "security-"


def _cluster_profile(name: str) -> str:
    known = load_config().profiles
    if name not in known:
        raise ValueError(f"{name!r} is not a profile of loadtests/profiles.toml; they are {', '.join(known)}")
    if name.startswith(SECURITY_PREFIX):
        raise ValueError(f"{name!r} needs the security run's own gateways: `make security` runs it locally")
    return name


def _scenario(name: str) -> str:
    known = load_scenarios().scenarios
    if name not in known:
        raise ValueError(f"{name!r} is not a scenario of loadtests/chaos.toml; they are {', '.join(known)}")
    return name


ClusterProfile = Annotated[str, AfterValidator(_cluster_profile)]
ScenarioName = Annotated[str, AfterValidator(_scenario)]
Cron = Annotated[str, matching(r"(\S+ ){4}\S+|@(hourly|daily|weekly|monthly|yearly)",
                               "a five-field cron such as 0 3 * * 1-5")]
Digest = Annotated[str, matching(r"sha256:[0-9a-f]{64}", "sha256:<64 hex>")]


class LoadtestConfig(Section):
    """Locust in the cluster: a master and ``workers`` per run, for each of ``profiles``."""

    enabled: Flag = False
    profiles: tuple[ClusterProfile, ...] = ("smoke", "load")
    """The profiles of loadtests/profiles.toml this stack can run (the security ones run locally only)."""
    workers: Count = component_default(LoadGeneratorArgs, "workers")
    master_cpu: CpuQuantity = component_default(LoadGeneratorArgs, "master_cpu")
    master_memory: MemoryQuantity = component_default(LoadGeneratorArgs, "master_memory")
    worker_cpu: CpuQuantity = component_default(LoadGeneratorArgs, "worker_cpu")
    worker_memory: MemoryQuantity = component_default(LoadGeneratorArgs, "worker_memory")
    image_digest: Digest | None = None
    """The load image's digest, where ``images.digest`` pins the apps image without a build."""


class ChaosConfig(Section):
    """Chaos Mesh and the scenarios of loadtests/chaos.toml as its experiments."""

    enabled: Flag = False
    chart_version: ChartVersion = component_default(ChaosArgs, "chart_version")
    schedule: Cron | None = None
    """A cron for recurring runs; unset, a run starts with ``make loadtest PROFILE=chaos TARGET=<stack>``."""
    scenarios: tuple[ScenarioName, ...] = ()
    """The scenarios to run, in this order; empty means every one of loadtests/chaos.toml."""
    acknowledge_production: Flag = False
    """Production refuses chaos unless this says it is meant."""


def check_load_and_chaos(config: StackConfig) -> None:
    """The rules that tie the two sections to the rest of the stack: each names the key to change."""
    loadtest, chaos = config.loadtest, config.chaos
    if loadtest.enabled and not loadtest.profiles:
        raise ConfigRuleError("loadtest.profiles", "name the profiles the cluster can run")
    if loadtest.enabled and config.images.digest and not config.images.build and loadtest.image_digest is None:
        raise ConfigRuleError("loadtest.imageDigest", "images.digest pins the apps image: pin the load image too")
    if not chaos.enabled:
        return
    if config.environment == "prod" and not chaos.acknowledge_production:
        raise ConfigRuleError("chaos.enabled", "faults in production need chaos.acknowledgeProduction: true")
    workload = load_scenarios().defaults.workload  # the profile whose load runs while the faults are on
    if chaos.schedule is None and not (loadtest.enabled and workload in loadtest.profiles):
        raise ConfigRuleError("chaos.schedule", f"without a schedule a run starts with `make loadtest "
                                                f"PROFILE={workload} TARGET=<stack>`: enable loadtest with "
                                                f"the {workload} profile, or set a schedule")
