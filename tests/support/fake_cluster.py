"""Stand-ins for the ``kubectl`` and ``pulumi`` executables, for driving ``make loadtest TARGET=<stack>`` without
a cluster: one script, installed on PATH under both names, speaking exactly the subset of their command lines
the runner uses (anything else exits 1 saying so, as a real CLI refuses a bad flag).

Its world is a folder (``FAKE_CLUSTER_DIR``): ``outputs.json`` is the stack's outputs; ``results/`` is what the
master pod's results folder holds once Locust has ended; ``cluster.json`` says how the cluster behaves (how many
polls before the master is Ready, whether it fails, the workers' readiness, Jobs already active, the chaos
Schedule). Every call is appended to ``calls.jsonl`` (its arguments, and what it read on stdin).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORLD = "FAKE_CLUSTER_DIR"


def _world() -> Path:
    return Path(os.environ[WORLD])


def _refuse(args: list[str]) -> int:
    print(f"fake: unsupported command: {' '.join(args)}", file=sys.stderr)
    return 1


def _state() -> dict[str, Any]:
    path = _world() / "cluster.json"
    state: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    return state


def _save(state: dict[str, Any]) -> None:
    (_world() / "cluster.json").write_text(json.dumps(state))


def pulumi(args: list[str]) -> int:
    if args == ["version"]:
        print("v3.272.0")
        return 0
    if args[:4] == ["stack", "output", "--json", "--show-secrets"] and args[4] == "--stack" and args[6] == "--cwd":
        print((_world() / "outputs.json").read_text())
        return 0
    return _refuse(args)


def _pod(job: str, state: dict[str, Any]) -> dict[str, Any]:
    polls = state.setdefault("polls", {})
    polls[job] = polls.get(job, 0) + 1
    ready = polls[job] > state.get("master_ready_after", 1)
    phase = "Failed" if state.get("master_fails") else "Running"
    return {"metadata": {"name": f"{job}-x7k2p", "labels": {"batch.kubernetes.io/job-name": job}},
            "status": {"phase": phase, "containerStatuses": [{"name": "master",
                                                              "ready": ready and phase == "Running"}]}}


def kubectl(args: list[str], stdin: str | None) -> int:
    if args[:4] != ["--kubeconfig", args[1], "--namespace", args[3]] or not Path(args[1]).is_file():
        return _refuse(args)
    command, state = args[4:], _state()
    match command:
        case ["get", "jobs", "--selector", "app.kubernetes.io/component=loadtest", "--output", "json"]:
            print(json.dumps({"items": [{"metadata": {"name": name}, "status": {"active": 1}}
                                        for name in state.get("active_jobs", [])]}))
        case ["create", "job", name, source] if source.startswith("--from=cronjob/"):
            state.setdefault("jobs", []).append(name)
            print(f"job.batch/{name} created")
        case ["get", "job", name, "--output", "json"] if name in state.get("jobs", []):
            print(json.dumps({"metadata": {"name": name}, "status": {"ready": state.get("workers_ready", 0)}}))
        case ["get", "pods", "--selector", selector, "--output", "json"] if selector.startswith(
                "batch.kubernetes.io/job-name="):
            job = selector.split("=", 1)[1]
            print(json.dumps({"items": [_pod(job, state)] if job in state.get("jobs", []) else []}))
        case ["get", "schedule.chaos-mesh.org", name, "--output", "json"] if name == state.get("schedule", {}).get(
                "metadata", {}).get("name"):
            print(json.dumps(state["schedule"]))
        case ["create", "--filename", "-"] if stdin:
            created = json.loads(stdin)
            print(f"{created['kind'].lower()}.chaos-mesh.org/{created['metadata']['name']} created")
        case ["cp", source, destination, "--container", "master"] if ":" in source:
            path = source.split(":", 1)[1]
            if path != state.get("results_dir", "/reports"):
                print(f"tar: {path}: Cannot stat: No such file or directory", file=sys.stderr)
                return 1
            shutil.copytree(_world() / "results", destination)
        case ["exec", _, "--container", "master", "--", "touch", _]:
            pass
        case ["delete", _, *names] if names[-2:] == ["--ignore-not-found", "--wait=false"]:
            print("\n".join(f"deleted {name}" for name in names[:-2]))
        case _:
            return _refuse(args)
    _save(state)
    return 0


def main() -> int:
    name, args = sys.argv[1], sys.argv[2:]  # the wrapper on PATH names the tool it stands for
    stdin = sys.stdin.read() if args[-1:] == ["-"] else None
    with (_world() / "calls.jsonl").open("a") as calls:
        calls.write(json.dumps({"tool": name, "args": args, "stdin": stdin}) + "\n")
    return pulumi(args) if name == "pulumi" else kubectl(args, stdin)


@dataclass
class FakeCluster:
    """The world of the stand-ins, from a test's side."""

    folder: Path

    def install(self, bin_dir: Path) -> None:
        """``kubectl`` and ``pulumi`` in ``bin_dir``: this script, run by this interpreter."""
        bin_dir.mkdir(parents=True, exist_ok=True)
        for tool in ("kubectl", "pulumi"):
            script = bin_dir / tool
            script.write_text(f"#!{sys.executable}\nimport runpy, sys\nsys.argv.insert(1, {tool!r})\n"
                              f"runpy.run_path({str(Path(__file__))!r}, run_name='__main__')\n")
            script.chmod(script.stat().st_mode | stat.S_IXUSR)

    def configure(self, outputs: dict[str, Any], results: Path, **behaviour: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "outputs.json").write_text(json.dumps(outputs))
        shutil.copytree(results, self.folder / "results")
        (self.folder / "cluster.json").write_text(json.dumps(behaviour))

    def calls(self, tool: str = "kubectl") -> list[dict[str, Any]]:
        lines = (self.folder / "calls.jsonl").read_text().splitlines() if (self.folder / "calls.jsonl").exists() else []
        return [call for call in map(json.loads, lines) if call["tool"] == tool]


if __name__ == "__main__":
    sys.exit(main())
