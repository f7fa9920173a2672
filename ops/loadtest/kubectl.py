"""The few kubectl and pulumi commands a run from a cluster needs, each a method that says what it runs.

Everything goes through the real CLIs (``kubectl`` against the stack's kubeconfig, ``pulumi stack output``),
found on PATH: the tests put small stand-ins there that speak the same subset.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ops.offline import STACKS

log = logging.getLogger(__name__)

JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LOADTEST_SELECTOR = "app.kubernetes.io/component=loadtest"


class ClusterError(RuntimeError):
    """A command against the cluster or the stack failed; the message says which and why."""


def _run(command: Sequence[str], stdin: str | None = None) -> str:
    try:
        feed: dict[str, Any] = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
        done = subprocess.run(list(command), capture_output=True, text=True, check=False, timeout=300, **feed)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClusterError(f"{command[0]} could not run: {exc}") from exc
    if done.returncode != 0:
        raise ClusterError(f"`{' '.join(command)}` failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return str(done.stdout)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ClusterError(f"{name} is not installed: a run from a cluster needs it (docs/loadtesting.md)")
    return found


def stack_outputs(stack: str) -> dict[str, Any]:
    """The stack's outputs, secrets revealed (the kubeconfig): ``pulumi stack output --json --show-secrets``."""
    outputs = json.loads(_run([_tool("pulumi"), "stack", "output", "--json", "--show-secrets", "--stack", stack,
                               "--cwd", str(STACKS)]))
    if not isinstance(outputs, dict):
        raise ClusterError(f"`pulumi stack output` of {stack} is not an object")
    return outputs


@contextmanager
def kubeconfig_file(kubeconfig: Any) -> Iterator[Path]:
    """The stack's kubeconfig output in a file only this user can read, removed afterwards."""
    text = kubeconfig if isinstance(kubeconfig, str) else json.dumps(kubeconfig)
    handle, name = tempfile.mkstemp(prefix="cnop-kubeconfig-", suffix=".json")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


class Kubectl:
    """kubectl against one namespace of one cluster."""

    def __init__(self, kubeconfig: Path, namespace: str) -> None:
        self.prefix = [_tool("kubectl"), "--kubeconfig", str(kubeconfig), "--namespace", namespace]
        self.namespace = namespace

    def run(self, *args: str, stdin: str | None = None) -> str:
        log.debug("kubectl %s", " ".join(args))
        return _run([*self.prefix, *args], stdin)

    def get(self, *args: str) -> Any:
        return json.loads(self.run("get", *args, "--output", "json"))

    def active_load_jobs(self) -> list[str]:
        return [job["metadata"]["name"] for job in self.get("jobs", "--selector", LOADTEST_SELECTOR)["items"]
                if (job.get("status") or {}).get("active")]

    def create_job(self, name: str, cronjob: str) -> None:
        self.run("create", "job", name, f"--from=cronjob/{cronjob}")

    def pods_of(self, job: str) -> list[dict[str, Any]]:
        pods: list[dict[str, Any]] = self.get("pods", "--selector", f"{JOB_NAME_LABEL}={job}")["items"]
        return pods

    def job_status(self, job: str) -> dict[str, Any]:
        status: dict[str, Any] = self.get("job", job).get("status") or {}
        return status

    def copy_from(self, pod: str, container: str, path: str, destination: Path) -> None:
        self.run("cp", f"{self.namespace}/{pod}:{path}", str(destination), "--container", container)

    def exec(self, pod: str, container: str, *command: str) -> str:
        return self.run("exec", pod, "--container", container, "--", *command)

    def create(self, manifest: dict[str, Any]) -> None:
        self.run("create", "--filename", "-", stdin=json.dumps(manifest))

    def delete(self, kind: str, *names: str) -> None:
        self.run("delete", kind, *names, "--ignore-not-found", "--wait=false")
