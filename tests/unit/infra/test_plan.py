"""``make plan``'s command prints a labelled offline plan per stack; nothing is created at import time."""

from __future__ import annotations

import contextvars
import importlib
import subprocess
import sys

import pulumi
import pytest
from pulumi.runtime.mocks import MockMonitor

from ops import plan
from ops.offline import OfflineRun, own_event_loop
from ops.offline_mocks import PlanMocks
from ops.servers import REPO


def test_plan_prints_a_labelled_tree_and_outputs(run: OfflineRun, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main([run.stack]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"OFFLINE PLAN of stack {run.stack!r}")
    assert f"{run.counts()['resources']} resources" in printed
    assert "# cnop:platform:Database  database" in printed
    assert "kubeconfig: [secret]" in printed
    assert "BEGIN PRIVATE KEY" not in printed and "BEGIN EC PRIVATE KEY" not in printed


def test_the_three_plans_differ(runs: dict[str, OfflineRun], capsys: pytest.CaptureFixture[str]) -> None:
    printed = []
    for stack in runs:
        plan.main([stack])
        printed.append(capsys.readouterr().out.split("\n", 2)[2])
    assert len(set(printed)) == 3


def test_plan_refuses_an_unknown_stack(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        plan.main(["staging"])


def test_pick_reads_labels_with_dots() -> None:
    inputs = {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}
    assert plan.pick(inputs, "metadata.labels.pod-security.kubernetes.io/enforce") == "restricted"
    assert plan.pick({"a": [{"b": 1}, {"b": 2}]}, "a[].b") == [1, 2]


def test_importing_components_and_the_program_registers_nothing() -> None:
    modules = sorted(p.stem for p in (REPO / "platform").glob("*.py"))
    names = [*(f"cnop_platform.{m}" for m in modules), "stacks.program", "stacks.config", "stacks.app_services"]

    def registered_by_imports() -> dict[str, object]:
        monitor = MockMonitor(PlanMocks("us-east-1"))
        pulumi.runtime.set_mocks(monitor.mocks, monitor=monitor)

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def import_fresh() -> None:
            for name in names:
                sys.modules.pop(name, None)
                importlib.import_module(name)

        import_fresh()
        return dict(monitor.resources)

    with own_event_loop():
        assert contextvars.Context().run(registered_by_imports) == {}


@pytest.mark.parametrize("folder", ["stacks", "platform_policy"])
def test_the_program_folder_on_sys_path_shadows_nothing(folder: str) -> None:
    """Pulumi puts the program's (or policy pack's) folder first on sys.path: none of its modules may hide a
    real package."""
    stack_modules = sorted(p.stem for p in (REPO / folder).glob("*.py") if not p.stem.startswith("__"))
    probe = ("import importlib.util, sys; sys.path.remove(''); "
             f"print([m for m in {stack_modules!r} if importlib.util.find_spec(m)])")
    found = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
    program_imports = ("import apps.common.tables, stacks.program, cnop_platform.database, platform_policy.pack; "
                       "print('ok')")
    result = subprocess.run([sys.executable, "-c", program_imports], cwd=REPO / folder, capture_output=True,
                            text=True, check=False)
    assert result.stdout.strip() == "ok", result.stderr


def test_the_prod_plan_shows_what_surrounds_the_cluster(runs: dict[str, OfflineRun],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["prod"]) == 0
    printed = capsys.readouterr().out
    for line in ("kubernetes:helm.sh/v3:Release  load-balancers-release  chart=\"aws-load-balancer-controller\"",
                 "kubernetes:helm.sh/v3:Release  karpenter-release", "kubernetes:karpenter.sh/v1:NodePool",
                 "kubernetes:helm.sh/v3:Release  metrics-server-release", "aws:eks/addon:Addon  addons-ebs-csi",
                 "aws:eks/addon:Addon  cluster-pod-identity-agent", "aws:backup/plan:Plan  backup-plan",
                 "aws:elasticache/parameterGroup:ParameterGroup  cache-params",
                 "kubernetes:networking.k8s.io/v1:Ingress  edge-ingress", "aws:wafv2/webAcl:WebAcl  edge-waf",
                 "gatewayUrl: https://api.cnop.example.com"):
        assert line in printed, line
