"""``make scan``: what the stacks put in a cluster, the image's Dockerfile and the CI workflow, checked by
maintained scanners, offline.

1. every stack's Kubernetes objects rendered (``ops/render.py``) and validated with ``kubernetes-validate``
   in strict mode for the stack's Kubernetes version (custom resources excepted: no schema ships for them);
2. the CI workflow validated against GitHub's workflow schema (the copy check-jsonschema vendors);
3. checkov (its own environment, ``.cache/scanners``, from ``requirements/scanners.lock``) over the rendered
   manifests, the Dockerfile and the workflow, in one run; findings are triaged against the commented
   allow-list ``ops/scan_allowlist.toml``: an unaccepted finding or an entry that accepts nothing fails.

Nothing leaves the machine: checkov runs with ``--skip-download``, its update check and mapping download
off, no API key, and every proxy variable pointed at a closed port on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml
from ruamel.yaml import YAML

from ops.custom_resources import custom_resource_problems
from ops.offline import REPO, STACK_NAMES, OfflineRun, run_offline
from ops.render import render

SCANNERS = REPO / ".cache" / "scanners"
ALLOWLIST = REPO / "ops" / "scan_allowlist.toml"
WORKFLOWS = REPO / ".github" / "workflows"
FRAMEWORKS = ("kubernetes", "dockerfile", "github_actions")
OFFLINE_ENV = {
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",  # no version check against PyPI
    "BC_SKIP_MAPPING": "TRUE",  # no download of guideline mappings
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
    "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "NO_PROXY": "", "no_proxy": "",
}

log = logging.getLogger("scan")


@dataclass(frozen=True)
class Finding:
    check: str
    name: str
    framework: str
    file: str
    """Relative to the scan root."""
    resource: str

    @property
    def where(self) -> str:
        return f"{self.framework}:{self.file}:{self.resource}"


@dataclass(frozen=True)
class Accepted:
    check: str
    where: str
    why: str

    def matches(self, finding: Finding) -> bool:
        return finding.check == self.check and fnmatch.fnmatchcase(finding.where, self.where)


@dataclass
class Scan:
    findings: list[Finding]
    scanned: dict[str, int]
    """Resources checkov looked at, by framework: a framework that saw nothing would pass vacuously."""


def stage(root: Path, runs: Mapping[str, OfflineRun]) -> dict[str, list[Path]]:
    """The scan's input under ``root``: manifests/<stack>/, the Dockerfile, .github/workflows/."""
    shutil.rmtree(root, ignore_errors=True)
    rendered = {stack: render(run, root / "manifests" / stack) for stack, run in runs.items()}
    shutil.copy(REPO / "Dockerfile", root / "Dockerfile")
    shutil.copytree(WORKFLOWS, root / ".github" / "workflows")
    return rendered


def validate_manifests(files: Iterable[Path], version: str) -> list[str]:
    """``kubernetes-validate --strict`` for each file; custom resources against the schemas we hold for their
    group (``ops/custom_resources.py``: Chaos Mesh's), others skipped (no schema ships)."""
    problems = []
    for path in files:
        body = yaml.safe_load(path.read_text())
        try:
            kubernetes_validate.validate(body, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            if "." not in str(body.get("apiVersion", "")).split("/")[0]:
                problems.append(f"{path.name}: no schema for the built-in kind {body.get('kind')}")
            problems += [f"{path.name}: {problem}" for problem in custom_resource_problems(body)]
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{path.name}: {error.message} at {list(error.path)}")
    return problems


def validate_workflows(root: Path) -> list[str]:
    """Each workflow against GitHub's workflow schema, as check-jsonschema vendors it (read as YAML 1.2, where
    ``on`` stays a key rather than becoming ``true``)."""
    schema = json.loads((resources.files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json")
                        .read_text())
    validator = jsonschema.Draft7Validator(schema)
    problems = []
    for path in sorted((root / ".github" / "workflows").glob("*.y*ml")):
        document = YAML(typ="safe").load(path.read_text())
        problems += [f"{path.name}: {error.message} at {list(error.absolute_path)}"
                     for error in validator.iter_errors(document)]
    return problems


def checkov(root: Path) -> Scan:
    executable = SCANNERS / "bin" / "checkov"
    if not executable.exists():
        raise FileNotFoundError(f"{executable} is missing: run `make setup`")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BC_", "PRISMA_", "CKV_"))}
    command = [str(executable), "--directory", str(root), "--framework", *FRAMEWORKS, "--skip-download",
               "--output", "json", "--compact", "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=root,
                            env={**env, **OFFLINE_ENV})
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise RuntimeError(f"checkov failed ({result.returncode}): {result.stderr[-2000:]}")
    return parse(json.loads(result.stdout), root)


def parse(report: Any, root: Path) -> Scan:
    reports = report if isinstance(report, list) else [report]
    findings, scanned = [], {}
    for part in reports:
        framework = part.get("check_type")
        if framework is None:  # a framework with nothing to scan reports only a summary
            continue
        summary = part.get("summary", {})
        scanned[framework] = int(summary.get("passed", 0)) + int(summary.get("failed", 0))
        for failed in part.get("results", {}).get("failed_checks", []):
            file = str(failed.get("file_abs_path") or failed["file_path"])
            relative = Path(file).relative_to(root) if Path(file).is_absolute() else Path(file.lstrip("/"))
            findings.append(Finding(failed["check_id"], failed.get("check_name", ""), framework, str(relative),
                                    failed.get("resource", "")))
    return Scan(findings, scanned)


def load_allowlist(path: Path = ALLOWLIST) -> list[Accepted]:
    return [Accepted(**entry) for entry in tomllib.loads(path.read_text()).get("accepted", [])]


def triage(findings: Iterable[Finding], allowlist: list[Accepted]) -> tuple[list[Finding], list[Accepted]]:
    """Findings no entry accepts, and entries that accept no finding."""
    findings = list(findings)
    unaccepted = [f for f in findings if not any(entry.matches(f) for entry in allowlist)]
    unused = [entry for entry in allowlist if not any(entry.matches(f) for f in findings)]
    return unaccepted, unused


def scan(root: Path, runs: Mapping[str, OfflineRun]) -> list[str]:
    """Every problem found, one line each; empty when the scan passes."""
    rendered = stage(root, runs)
    problems = [f"{stack}: {problem}" for stack, files in rendered.items()
                for problem in validate_manifests(files, runs[stack].config["cnop:kubernetesVersion"])]
    problems += validate_workflows(root)
    result = checkov(root)
    problems += [f"checkov saw nothing to check for {framework}" for framework in FRAMEWORKS
                 if not result.scanned.get(framework)]
    unaccepted, unused = triage(result.findings, load_allowlist())
    problems += [f"{f.check} {f.name}: {f.where}" for f in unaccepted]
    problems += [f"allow-list entry {e.check} {e.where} accepts nothing: remove it" for e in unused]
    log.info("checkov: %s resources checked, %d findings, %d accepted by %s",
             sum(result.scanned.values()), len(result.findings), len(result.findings) - len(unaccepted),
             ALLOWLIST.relative_to(REPO))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="scan: %(message)s")
    problems = scan(REPO / "build" / "scan", {stack: run_offline(stack) for stack in STACK_NAMES})
    for problem in problems:
        log.error("%s", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
