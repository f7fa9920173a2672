"""Supply chain and state: dependencies locked with hashes and installed from the locks, an SBOM of the image
from its lock, the CI workflow that tests, previews and promotes, and the state backend every stack names."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ops import bootstrap, lock, pulumi_cli, sbom, state_backend
from ops.offline import REPO, STACKS, OfflineRun, run_offline
from ops.scan import validate_workflows

WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"


@pytest.mark.parametrize(("name", "extras"), [("runtime.lock", ()), ("dev.lock", lock.EXTRAS)])
def test_each_lock_holds_pyproject_s_pins_every_package_with_its_hashes(name: str, extras: tuple[str, ...]) -> None:
    assert lock.stale(name, extras) == {}
    text = (lock.LOCKS / name).read_text()
    requirements = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert requirements and all("--hash=sha256:" in requirement for requirement in requirements)
    assert all(re.match(r"[A-Za-z0-9._-]+(\[[^\]]*\])?==\S+", requirement) for requirement in requirements)


def test_the_scanners_lock_is_its_own_and_pins_checkov() -> None:
    wanted = lock.pins((lock.LOCKS / "scanners.in").read_text())
    locked = lock.pins((lock.LOCKS / "scanners.lock").read_text())
    assert wanted == {"checkov": "3.3.30"} and locked["checkov"] == wanted["checkov"]
    assert "--hash=sha256:" in (lock.LOCKS / "scanners.lock").read_text()


def test_a_pin_the_lock_lacks_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "runtime.lock").write_text("fastapi==0.1.0 \\\n    --hash=sha256:00\n")
    monkeypatch.setattr(lock, "LOCKS", tmp_path)
    missing = lock.stale("runtime.lock", ())
    assert missing["fastapi"][1] == "0.1.0" and missing["uvicorn"][1] is None


def test_setup_installs_from_the_lock_with_hashes_then_the_project_alone(monkeypatch: pytest.MonkeyPatch,
                                                                        tmp_path: Path) -> None:
    ran: list[list[str]] = []
    (tmp_path / "venv").mkdir()
    monkeypatch.setattr(bootstrap, "VENV", tmp_path / "venv")
    monkeypatch.setattr(bootstrap, "run", lambda cmd, **_: ran.append(cmd))
    bootstrap.ensure_virtualenv()
    installs = [cmd[cmd.index("install"):] for cmd in ran if "install" in cmd]
    assert installs == [["install", "--require-hashes", "-r", str(REPO / "requirements" / "dev.lock")],
                        ["install", "--no-deps", "-e", str(REPO)]]
    ran.clear()
    bootstrap.ensure_virtualenv()  # idempotent: the stamp names pyproject.toml and the lock
    assert ran == []


def test_setup_refuses_a_stale_lock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "dev.lock").write_text("")
    monkeypatch.setattr(lock, "LOCKS", tmp_path)
    with pytest.raises(SystemExit, match=r"requirements/dev.lock does not hold pyproject.toml's pins .*make lock"):
        bootstrap._refuse_a_stale_lock("dev.lock", lock.EXTRAS)


def test_the_sbom_lists_the_locked_packages_and_the_pinned_base_image(tmp_path: Path) -> None:
    document = sbom.write_sbom(tmp_path / "sbom.json")
    assert document["bomFormat"] == "CycloneDX" and document["specVersion"] == "1.6"
    assert document["metadata"]["component"]["name"] == "cnop-toolkit"
    libraries = {(c["name"], c["version"]) for c in document["components"] if c["type"] == "library"}
    assert {(lock.normalise(n), v) for n, v in libraries} == set(
        lock.pins((lock.LOCKS / "runtime.lock").read_text()).items())
    (image,) = [c for c in document["components"] if c["type"] == "container"]
    base = re.search(r"^FROM (\S+) AS base$", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    assert base is not None
    assert f"{image['name']}:{image['version']}@sha256:{image['hashes'][0]['content']}" == base[1]


def workflow() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return document


def test_ci_tests_then_previews_pull_requests_and_promotes_main_from_dev_to_prod() -> None:
    document = workflow()
    jobs = document["jobs"]
    assert set(jobs) == {"test", "preview", "deploy-dev", "deploy-prod"}
    assert document[True] == {"pull_request": None, "push": {"branches": ["main"]}}  # YAML's "on"
    assert document["permissions"] == {"contents": "read"}
    assert any(step.get("run") == "sudo --preserve-env=PATH make test" for step in jobs["test"]["steps"])
    assert jobs["preview"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["preview"]["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert jobs["deploy-dev"]["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert (jobs["deploy-prod"]["needs"], jobs["deploy-prod"]["environment"]) == ("deploy-dev", "prod")
    commands = {name: " ".join(step.get("run", "") for step in job["steps"]) for name, job in jobs.items()}
    assert "ops.pulumi_cli preview \"$STACK\"" in commands["preview"]  # with the policy pack (ops/pulumi_cli.py)
    assert "ops.pulumi_cli deploy dev" in commands["deploy-dev"]
    assert "ops.pulumi_cli deploy prod" in commands["deploy-prod"]
    assert document["env"]["PULUMI_VERSION"] == ".".join(map(str, pulumi_cli.MINIMUM_CLI))
    for name in ("preview", "deploy-dev", "deploy-prod"):
        assert jobs[name]["permissions"] == {"contents": "read", "id-token": "write"}  # OIDC, no stored keys


def test_every_action_is_pinned_to_a_commit() -> None:
    uses = [step["uses"] for job in workflow()["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", use) for use in uses), uses


def test_the_workflow_matches_github_s_schema(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW.read_text())
    assert validate_workflows(tmp_path) == []
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs:\n  x:\n    steps: 3\n")
    assert validate_workflows(tmp_path) != []


@pytest.fixture(scope="module")
def state() -> OfflineRun:
    return run_offline("state", project=state_backend.PROJECT)


def test_the_state_backend_is_private_versioned_encrypted_and_protected(state: OfflineRun) -> None:
    run = state
    by_type = {r.type.split(":")[-1]: r for r in run.resources if r.custom}
    assert by_type["Bucket"].protect and by_type["Key"].protect and by_type["Key"].retain_on_delete
    assert by_type["BucketVersioning"].inputs["versioningConfiguration"]["status"] == "Enabled"
    (rule,) = by_type["BucketServerSideEncryptionConfiguration"].inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert all(by_type["BucketPublicAccessBlock"].inputs[flag] for flag in (
        "blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    (deny,) = json.loads(by_type["BucketPolicy"].inputs["policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert by_type["Alias"].inputs["name"] == "alias/cnop-pulumi"
    assert run.outputs["secretsProvider"] == "awskms://alias/cnop-pulumi?region=us-east-1"


def test_every_stack_pins_its_secrets_provider(state: OfflineRun) -> None:
    provider = state.outputs["secretsProvider"]
    assert {stack: state_backend.secrets_provider(stack) for stack in ("localstack", "dev", "prod")} == {
        "localstack": "passphrase", "dev": provider, "prod": provider}
    commands = state_backend.commands("/usr/bin/pulumi", "init-stacks")
    assert commands == [["/usr/bin/pulumi", "stack", "init", stack, "--secrets-provider", provider, "--cwd",
                         str(STACKS)] for stack in ("dev", "prod")]
