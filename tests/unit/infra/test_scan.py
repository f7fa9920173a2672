"""``make scan`` on every ``make test``: the three stacks' Kubernetes objects, the Dockerfile and the CI workflow
through checkov (offline) with the commented allow-list, and kubernetes-validate --strict; a canary proves the
scanner looks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ops import scan
from ops.offline import OfflineRun

CANARY = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "canary", "namespace": "canary"},
    "spec": {"selector": {"matchLabels": {"app": "canary"}}, "template": {
        "metadata": {"labels": {"app": "canary"}},
        "spec": {"containers": [{"name": "canary", "image": "busybox:latest",
                                 "securityContext": {"privileged": True}}]}}},
}


@pytest.fixture(scope="module")
def scanned(runs: dict[str, OfflineRun], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, scan.Scan,
                                                                                           dict[str, list[Path]]]:
    """One checkov run over what ``make scan`` stages, plus a deliberately bad manifest."""
    root = tmp_path_factory.mktemp("scan")
    rendered = scan.stage(root, runs)
    (root / "manifests" / "canary").mkdir()
    (root / "manifests" / "canary" / "deployment.yaml").write_text(yaml.safe_dump(CANARY))
    return root, scan.checkov(root), rendered


def test_checkov_finds_nothing_the_allow_list_does_not_explain(scanned: tuple[Path, scan.Scan, dict[str, list[Path]]],
                                                               ) -> None:
    _, result, rendered = scanned
    ours = [f for f in result.findings if not f.file.startswith("manifests/canary/")]
    unaccepted, unused = scan.triage(ours, scan.load_allowlist())
    assert [f.where for f in unaccepted] == [] and unused == []
    assert result.scanned["dockerfile"] > 0 and result.scanned["github_actions"] > 0
    objects = sum(len(files) for files in rendered.values()) + 1
    assert result.scanned["kubernetes"] > 10 * objects  # several checks for each object: all were read


def test_the_scanner_really_looks(scanned: tuple[Path, scan.Scan, dict[str, list[Path]]]) -> None:
    _, result, _ = scanned
    canary = {f.check for f in result.findings if f.file.startswith("manifests/canary/")}
    assert {"CKV_K8S_16", "CKV_K8S_14", "CKV_K8S_8", "CKV_K8S_9"} <= canary  # privileged, latest, no probes


def test_every_rendered_object_passes_strict_validation(scanned: tuple[Path, scan.Scan, dict[str, list[Path]]],
                                                        runs: dict[str, OfflineRun]) -> None:
    _, _, rendered = scanned
    for stack, files in rendered.items():
        assert scan.validate_manifests(files, runs[stack].config["cnop:kubernetesVersion"]) == [], stack
        secrets = [yaml.safe_load(f.read_text()) for f in files if f.name.startswith("secret-")]
        assert secrets and all(set(s["stringData"].values()) == {"[secret]"} for s in secrets)


def test_the_allow_list_says_why_for_each_entry() -> None:
    entries = scan.load_allowlist()
    assert entries and all(entry.why.strip() and entry.check.startswith("CKV_") for entry in entries)
    text = scan.ALLOWLIST.read_text()
    assert all(f'check = "{entry.check}"  # ' in text for entry in entries)  # the check's title beside its id


def test_triage_reports_unexplained_findings_and_entries_that_explain_nothing() -> None:
    finding = scan.Finding("CKV_K8S_35", "secrets as files", "kubernetes", "manifests/dev/deployment-cnop-x.yaml",
                           "Deployment.cnop.x")
    other = scan.Finding("CKV_K8S_16", "privileged", "kubernetes", "manifests/dev/deployment-cnop-x.yaml",
                         "Deployment.cnop.x")
    entry = scan.Accepted("CKV_K8S_35", "kubernetes:manifests/*/deployment-cnop-*.yaml:Deployment.cnop.*", "why")
    stale = scan.Accepted("CKV_K8S_43", "kubernetes:manifests/localstack/*:*", "why")
    assert scan.triage([finding, other], [entry, stale]) == ([other], [stale])
