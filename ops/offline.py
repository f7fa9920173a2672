"""Runs a stack's real Pulumi program offline: Pulumi's test engine with mocks, no CLI, no credentials.

The program (``stacks/__main__.py``) and the config (``stacks/Pulumi.<stack>.yaml``) are the ones a real
``pulumi up`` uses; only the engine is replaced. The result lists every resource the program registers,
with its inputs and parent, and the stack outputs: what the plan prints and what the infra tests check.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import runpy
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from ops.offline_mocks import PlanMocks
from stacks.config_observability import named_secret_keys

REPO = Path(__file__).resolve().parent.parent
STACKS = REPO / "stacks"
PROJECT = "cnop"
SECRET = "[secret]"
STACK_NAMES = ("localstack", "dev", "prod")


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    """Inputs as the provider would get them (wire names), secret values replaced by ``[secret]``."""
    secret_inputs: dict[str, Any]
    """The same inputs with secret values revealed (offline values only): for checks that need them."""
    protect: bool = False
    """The ``protect`` option: ``pulumi destroy`` and replacements refuse to delete it."""
    retain_on_delete: bool = False
    """The ``retain_on_delete`` option: deleting it from the program leaves the cloud resource in place."""


@dataclass
class OfflineRun:
    stack: str
    config: dict[str, Any]
    resources: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)
    unset_secrets: list[str] = field(default_factory=list)
    """Secret config keys the stack file names but does not hold: offline placeholders here, to be set before a
    real deploy."""

    def of_type(self, type_token: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_token]

    def counts(self) -> dict[str, int]:
        custom = sum(1 for r in self.resources if r.custom)
        return {"resources": len(self.resources), "custom": custom, "components": len(self.resources) - custom}


class _RecordingMonitor(MockMonitor):
    def __init__(self, mocks: PlanMocks, run: OfflineRun) -> None:
        super().__init__(mocks)
        self.plan_mocks = mocks
        self.run = run

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            inputs = self.plan_mocks.seen.inputs
            self.run.resources.append(PlannedResource(
                urn=response.urn, type=request.type, name=request.name, parent=request.parent,
                custom=bool(request.custom), inputs=redact(inputs), secret_inputs=reveal(inputs),
                protect=bool(request.protect), retain_on_delete=bool(request.retainOnDelete)))
        return response


def redact(value: Any) -> Any:
    """Plain Python values with secrets hidden; whole floats back to ints (the wire has only doubles)."""
    return _walk(value, lambda _: SECRET)


def reveal(value: Any) -> Any:
    return _walk(value, lambda secret: reveal(unwrap_rpc_secret(secret)))


def _walk(value: Any, on_secret: Callable[[Any], Any]) -> Any:
    if is_rpc_secret(value):
        return on_secret(value)
    if isinstance(value, dict):
        return {k: _walk(v, on_secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, on_secret) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def stack_config(stack: str, overrides: Mapping[str, Any] | None = None,
                 project: Path = STACKS) -> tuple[dict[str, str], list[str]]:
    """The stack file's config as the engine passes it (values as strings), with ``overrides`` (whole keys)
    on top; ``secure:`` values become placeholders, since decrypting them needs the stack's secrets provider, and
    so do the secrets a section names (an alert receiver's ``secret``) that the file does not hold yet."""
    raw = raw_config(stack, overrides, project)
    raw |= {key: {"secure": "offline"} for key in unset_secrets(raw)}
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in raw.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[key] = f"offline-placeholder-for-{key}"
            secret_keys.append(key)
        else:
            config[key] = value if isinstance(value, str) else json.dumps(value)
    return config, secret_keys


def raw_config(stack: str, overrides: Mapping[str, Any] | None = None, project: Path = STACKS) -> dict[str, Any]:
    """The stack file's ``config`` as written, with ``overrides`` (whole keys) on top."""
    path = project / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no stack config {path}; stacks are {', '.join(STACK_NAMES)}")
    return {**((yaml.safe_load(path.read_text()) or {}).get("config") or {}), **(overrides or {})}


def unset_secrets(raw: Mapping[str, Any]) -> list[str]:
    """Secret config keys the stack file's sections name but the file does not hold: set them (``pulumi config set
    --secret``) before a real deploy."""
    named = named_secret_keys({key: value for key, value in raw.items() if key.startswith(f"{PROJECT}:")})
    return [f"{PROJECT}:{name}" for name in named if f"{PROJECT}:{name}" not in raw]


def run_offline(stack: str, overrides: Mapping[str, Any] | None = None, project: Path = STACKS) -> OfflineRun:
    """Runs ``<project>/__main__.py`` (the platform's program unless told otherwise) for ``stack`` in a fresh
    Pulumi runtime context and event loop."""
    with own_event_loop():
        return contextvars.Context().run(_run, stack, overrides, project)


@contextmanager
def own_event_loop() -> Iterator[None]:
    """The test engine drives the current thread's event loop: give it one of its own, then put back the
    caller's (which may be none at all, e.g. after ``asyncio.run``)."""
    previous: asyncio.AbstractEventLoop | None = None
    with warnings.catch_warnings(), suppress(RuntimeError):
        warnings.simplefilter("ignore", DeprecationWarning)
        previous = asyncio.get_event_loop_policy().get_event_loop()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(previous)
        loop.close()


def _run(stack: str, overrides: Mapping[str, Any] | None, project: Path) -> OfflineRun:
    config, secret_keys = stack_config(stack, overrides, project)
    name = str(yaml.safe_load((project / "Pulumi.yaml").read_text())["name"])
    run = OfflineRun(stack=stack, config=config, unset_secrets=unset_secrets(raw_config(stack, overrides, project)))
    mocks = PlanMocks(region=config.get("aws:region", "us-east-1"))
    pulumi.runtime.set_all_config(config, secret_keys)
    pulumi.runtime.set_mocks(mocks, project=name, stack=stack, preview=False,
                             monitor=_RecordingMonitor(mocks, run))

    failures: list[Exception] = []

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> pulumi.Output[None] | None:
        try:
            runpy.run_path(str(project / "__main__.py"), run_name="__main__")
        except Exception as exc:  # reported below, once the registrations already under way have settled
            failures.append(exc)
            return None
        root = pulumi.runtime.settings.get_root_resource()
        exported: dict[str, Any] = getattr(root, "outputs", {})
        return pulumi.Output.all(*[_capture(run, name, value) for name, value in exported.items()]).apply(
            lambda _: None)

    try:
        program()
    except Exception:
        if not failures:
            raise
    if failures:
        raise failures[0]
    return run


def _capture(run: OfflineRun, name: str, value: Any) -> pulumi.Output[None]:
    output = pulumi.Output.from_input(value)

    async def secret() -> bool:
        return await output.is_secret()

    def keep(resolved: Any) -> None:
        run.outputs[name] = resolved

    is_secret: pulumi.Output[bool] = pulumi.Output.from_input(secret())
    return pulumi.Output.all(output.apply(keep), is_secret.apply(
        lambda flag: run.secret_outputs.add(name) if flag else None)).apply(lambda _: None)
