"""The stack config under Pulumi's test engine: a stack file with overrides, the real program run on it, and the
check that a bad value stops it with one line naming the file and key before any resource exists."""

from __future__ import annotations

import contextvars
import json
import runpy
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pulumi
from pulumi.runtime.mocks import MockMonitor

from ops.offline import PROJECT, STACKS, own_event_loop, stack_config
from ops.offline_mocks import PlanMocks
from stacks.config import ConfigError

T = TypeVar("T")


def under_engine(stack: str, overrides: Mapping[str, Any], body: Callable[[], T]) -> tuple[T, dict[str, object]]:
    """``body``'s result under Pulumi's test engine set up for ``stack`` (its file, with ``overrides`` on top),
    and every resource registered meanwhile."""
    def run() -> tuple[T, dict[str, object]]:
        config, secret_keys = stack_config(stack, overrides)
        pulumi.runtime.set_all_config(config, secret_keys)
        monitor = MockMonitor(PlanMocks(region="us-east-1"))
        pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
        results: list[T] = []

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def settled() -> None:
            results.append(body())

        settled()
        return results[0], dict(monitor.resources)

    with own_event_loop():
        return contextvars.Context().run(run)


def run_main() -> str:
    """The real program, ``stacks/__main__.py``, expected to stop on its config: the error's message."""
    try:
        runpy.run_path(str(STACKS / "__main__.py"), run_name="__main__")
    except ConfigError as exc:
        return str(exc)
    raise AssertionError("the program ran to the end: the value was accepted")


def section(stack: str, key: str, **changes: Any) -> dict[str, Any]:
    """``key``'s object from the stack file with ``changes``: one bad value among good ones."""
    config, _ = stack_config(stack)
    return {key: {**json.loads(config.get(key, "{}")), **changes}}


def assert_refused_before_any_resource(stack: str, overrides: Mapping[str, Any], problem: str) -> None:
    """The program stops on ``overrides`` with ``problem``, prefixed by the stack file's name, and registers
    nothing."""
    message, registered = under_engine(stack, overrides, run_main)
    assert message == f"Pulumi.{stack}.yaml: {problem}"
    assert registered == {}
