"""``make render STACK=...``: every Kubernetes object the stack's program creates, as YAML files.

The objects come from an offline run of the real program (``ops/offline.py``), exactly as the provider would
send them to the API server, secret values replaced by ``[secret]``. Helm releases are listed with their chart,
version and values (their templates need the chart, which needs the network). The files are what
``make scan`` checks with checkov and ``kubernetes-validate --strict``.

    build/manifests/<stack>/<kind>-<namespace>-<name>.yaml    one object per file
    build/manifests/<stack>/helm/<release>.yaml                 a release: chart, version, namespace, values
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from ops.offline import REPO, SECRET, STACK_NAMES, OfflineRun, PlannedResource, run_offline

BUILD = REPO / "build" / "manifests"
HELM = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")

log = logging.getLogger("render")


def kubernetes_objects(run: OfflineRun) -> list[PlannedResource]:
    return [r for r in run.resources if r.type.startswith("kubernetes:") and r.custom and r.type not in HELM]


def manifest(resource: PlannedResource) -> dict[str, Any]:
    """The object as the API server would get it: inputs without the engine's own keys, secrets redacted (a
    Secret keeps its keys, each value ``[secret]``: the engine marks its whole data map secret)."""
    body = {key: value for key, value in resource.inputs.items() if not key.startswith("__")}
    for field in ("stringData", "data"):
        if body.get(field) == SECRET:
            body[field] = {key: SECRET for key in resource.secret_inputs[field]}
    return body


def file_name(body: dict[str, Any]) -> str:
    metadata = body.get("metadata") or {}
    parts = [body["kind"], metadata.get("namespace") or "cluster", metadata.get("name") or "unnamed"]
    return re.sub(r"[^A-Za-z0-9.-]+", "-", "-".join(str(part) for part in parts)).lower() + ".yaml"


def render(run: OfflineRun, folder: Path) -> list[Path]:
    """Writes the run's objects under ``folder`` (emptied first); returns the object files."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "helm").mkdir(parents=True)
    written = []
    for resource in kubernetes_objects(run):
        body = manifest(resource)
        path = folder / file_name(body)
        if path.exists():
            raise ValueError(f"two objects render to {path.name}")
        path.write_text(yaml.safe_dump(body, sort_keys=False))
        written.append(path)
    for release in run.resources:
        if release.type in HELM:
            inputs = release.inputs
            summary = {key: inputs.get(key) for key in ("name", "chart", "version", "namespace", "values")}
            (folder / "helm" / f"{release.name}.yaml").write_text(yaml.safe_dump(summary, sort_keys=False))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("stack", choices=STACK_NAMES)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="render: %(message)s")
    written = render(run_offline(args.stack), BUILD / args.stack)
    log.info("%d objects of stack %s in %s", len(written), args.stack, (BUILD / args.stack).relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
