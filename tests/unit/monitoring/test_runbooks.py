"""Every runbook gives its checks as commands for the local stack (run as written by tests/e2e/monitoring),
and every command names a real make verb, a real component and a port of the local stack."""

from __future__ import annotations

import re

from apps.common.services import SERVICES, names
from ops.servers import REPO
from ops.stack import monitoring, runner
from ops.stack.config import PORTS, StackSettings
from tests.unit.monitoring.runbook_support import RUNBOOKS, runbook_blocks

MAKE_VERBS = set(re.findall(r"^([a-z][\w-]*):", (REPO / "Makefile").read_text(), re.MULTILINE))
COMPONENTS = {runner.AWS, runner.REDIS, *names(), monitoring.PROMETHEUS, *monitoring.STARTERS}
STACK_PORTS = {StackSettings.model_fields[f"{name}_port"].default for name in PORTS} | {e.port for e in SERVICES}


def every_command() -> list[tuple[str, str]]:
    return [*runbook_blocks(fixes=False), *runbook_blocks(fixes=True)]


def test_every_runbook_has_local_checks() -> None:
    assert {name for name, _ in runbook_blocks(fixes=False)} == {path.stem for path in RUNBOOKS.glob("*.md")}


def test_make_verbs_and_components_exist() -> None:
    wrong = []
    for name, commands in every_command():
        wrong += [f"{name}: make {verb}" for verb in re.findall(r"\bmake (\w[\w-]*)", commands)
                  if verb not in MAKE_VERBS]
        wrong += [f"{name}: COMPONENT={c}" for c in re.findall(r"COMPONENT=\"?([\w$-]+)", commands)
                  if c not in COMPONENTS and not c.startswith("$")]
    assert wrong == []


def test_commands_only_reach_the_local_stack() -> None:
    addresses = {(name, host, int(port)) for name, commands in every_command()
                 for host, port in re.findall(r"(?:https?|redis)://([\w.-]+):(\d+)", commands)}
    assert addresses, "no address found: the pattern is wrong"
    assert {(name, host, port) for name, host, port in addresses
            if host != "127.0.0.1" or port not in STACK_PORTS} == set()
