"""The one apps image (root Dockerfile) and the wrappers around tools this machine lacks."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from cnop_platform.appservice import APP_USER_ID

from apps.common.services import SERVICES, public_entry
from ops import kind, pulumi_cli
from ops.servers import REPO


def dockerfile() -> str:
    return (REPO / "Dockerfile").read_text()


def test_multi_stage_on_a_base_pinned_by_digest() -> None:
    text = dockerfile()
    (base,) = re.findall(r"^FROM (\S+) AS base$", text, re.MULTILINE)
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+@sha256:[0-9a-f]{64}", base)
    stages = re.findall(r"^FROM (\S+) AS ([\w-]+)$", text, re.MULTILINE)
    assert stages == [(base, "base"), ("base", "build"), ("base", "loadtest-build"), ("base", "runtime"),
                      ("runtime", "loadtest"), ("runtime", "apps")]  # the apps image is the default target
    python = tuple(int(part) for part in base.split(":")[1].split("-")[0].split(".")[:2])
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    low, high = re.findall(r"(\d+)\.(\d+)", requires)
    assert (int(low[0]), int(low[1])) <= python < (int(high[0]), int(high[1]))


def test_runs_as_the_user_the_pods_expect_and_picks_the_app_by_command() -> None:
    runtime = dockerfile().split(" AS runtime", 1)[1]
    assert f"USER {APP_USER_ID}:{APP_USER_ID}" in runtime
    assert f"--uid {APP_USER_ID}" in runtime
    assert 'CMD ["python", "-m", "apps.serve", "gateway", "--host", "0.0.0.0", "--port", "8080"]' in runtime
    assert "latest" not in dockerfile()


def test_installs_the_runtime_lock_with_hashes_and_labels_and_checks_itself() -> None:
    text = dockerfile()
    build = text.split(" AS build", 1)[1].split(" AS runtime", 1)[0]
    assert "COPY requirements/runtime.lock ./" in build
    assert "pip install --no-compile --require-hashes -r runtime.lock" in build
    runtime = text.split(" AS runtime", 1)[1]
    labels = set(re.findall(r"org\.opencontainers\.image\.([a-z.]+)=", runtime))
    assert {"title", "description", "version", "revision", "base.name"} <= labels
    (healthcheck,) = re.findall(r"^HEALTHCHECK .*\\\n\s+CMD (\[.*\])$", text, re.MULTILINE)
    probe = json.loads(healthcheck)[2]
    assert f"/{public_entry().probe_path.strip('/')}'" in probe and "/proc/1/cmdline" in probe
    assert all(entry.probe_path == public_entry().probe_path for entry in SERVICES)


def test_the_build_context_is_only_the_lock_and_the_apps() -> None:
    ignored = (REPO / ".dockerignore").read_text().split()
    assert ignored[ignored.index("*"):][:3] == ["*", "!requirements/runtime.lock", "!apps/"]


def test_kind_context_and_ports_agree_with_the_localstack_stack() -> None:
    config = yaml.safe_load((REPO / "stacks" / "Pulumi.localstack.yaml").read_text())["config"]
    assert config["cnop:cluster"]["kindContext"] == f"kind-{config['cnop:cluster']['kindClusterName']}"
    node_ports = {config["cnop:apps"]["gatewayNodePort"], config["cnop:monitoring"]["grafanaNodePort"]}
    assert set(kind.HOST_PORTS) == node_ports
    assert kind.NODE_IMAGE.startswith(f"kindest/node:v{config['cnop:kubernetesVersion']}.")
    assert kind.localstack_names() == ("cnop", "cnop-apps:0.1.0")
    assert "listenAddress: 127.0.0.1" in kind.kind_config()


def test_every_stack_targets_the_same_kubernetes_version() -> None:
    versions = {yaml.safe_load(path.read_text())["config"]["cnop:kubernetesVersion"]
                for path in (REPO / "stacks").glob("Pulumi.*.yaml") if path.name != "Pulumi.yaml"}
    assert len(versions) == 1


def test_preview_and_deploy_explain_a_missing_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert pulumi_cli.main(["preview", "dev"]) == 2
    assert "pulumi CLI is not installed" in caplog.text and "make plan" in caplog.text
    assert kind.main(["up"]) == 2
    assert "kind is not installed" in caplog.text


@pytest.mark.parametrize(("action", "verb"), [("preview", "preview"), ("deploy", "up")])
def test_preview_and_deploy_hand_the_policy_pack_to_the_pulumi_cli(action: str, verb: str) -> None:
    """Only the command line: running the pack needs the pulumi CLI. The policies themselves are run against
    every stack's resources in tests/infra/test_policies.py."""
    cmd = pulumi_cli.command("/usr/bin/pulumi", action, "prod", ["--diff"])
    assert cmd[:4] == ["/usr/bin/pulumi", verb, "--stack", "prod"]
    assert cmd[cmd.index("--policy-pack") + 1] == str(REPO / "platform_policy")
    assert cmd[-1] == "--diff"
    assert (REPO / "platform_policy" / "PulumiPolicy.yaml").is_file()
