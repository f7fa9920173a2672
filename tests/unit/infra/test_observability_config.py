"""The stack config's monitoring, alerting, tracing and logs: bad values stop the program with one line naming the
key; optional remote write to Amazon Managed Service for Prometheus; the secrets a receiver names; and the
``monitoring-in-prod`` policy over what the program would deploy."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ops import plan
from ops.offline import OfflineRun, run_offline, unset_secrets
from platform_policy.rules import Resource, monitoring_in_prod
from tests.unit.infra.config_support import assert_refused_before_any_resource, section

AMP = "arn:aws:aps:us-east-1:123456789012:workspace/ws-0a1b2c3d-4e5f-6789-abcd-ef0123456789"
REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("prod", section("prod", "cnop:monitoring", prometheusRetention="15d"),
     "cnop:monitoring.prometheusRetention: 15d is shorter than the 30d the SLO rules look back: keep at least 30d "
     "(and a margin)"),
    ("dev", section("dev", "cnop:monitoring", prometheusRetention="4w"),
     "cnop:monitoring.prometheusRetention: 4w is shorter than the 30d the SLO rules look back: keep at least 30d "
     "(and a margin)"),
    ("prod", section("prod", "cnop:monitoring", prometheusStorage=None, prometheusRetentionSize=None),
     "cnop:monitoring.prometheusStorage: 30d of history needs a volume: give its size, e.g. 100Gi"),
    ("localstack", section("localstack", "cnop:monitoring", prometheusRetentionSize="1GB"),
     "cnop:monitoring.prometheusRetentionSize: needs prometheusStorage, the volume it keeps from filling"),
    ("prod", section("prod", "cnop:monitoring", prometheusRetentionSize="90 GB"),
     "cnop:monitoring.prometheusRetentionSize: '90 GB' is not a Prometheus size such as 90GB"),
    ("prod", section("prod", "cnop:monitoring", remoteWrite={"url": "https://mimir.example/push",
                                                             "ampWorkspaceArn": AMP}),
     "cnop:monitoring.remoteWrite.url: give exactly one of url and ampWorkspaceArn"),
    ("prod", section("prod", "cnop:monitoring", remoteWrite={"ampWorkspaceArn": "ws-123"}),
     "cnop:monitoring.remoteWrite.ampWorkspaceArn: 'ws-123' is not an Amazon Managed Service for Prometheus "
     "workspace ARN"),
    ("localstack", section("localstack", "cnop:monitoring", remoteWrite={"ampWorkspaceArn": AMP}),
     "cnop:monitoring.remoteWrite.ampWorkspaceArn: signing for Amazon Managed Service for Prometheus needs EKS's "
     "Pod Identity"),
    ("prod", section("prod", "cnop:alertmanager", page=[]),
     "cnop:alertmanager.page: production pages someone: give at least one receiver"),
    ("prod", section("prod", "cnop:alertmanager", runbookBaseUrl="docs/runbooks"),
     "cnop:alertmanager.runbookBaseUrl: 'docs/runbooks' is not an http(s) URL"),
    ("dev", {"cnop:alertmanager": {"page": []}}, "cnop:alertmanager.runbookBaseUrl: Field required"),
    ("prod", section("prod", "cnop:alertmanager", page=[{"kind": "pagerduty", "secret": "alertPagerdutyKey",
                                                         "channel": "#x"}]),
     "cnop:alertmanager.page[0].channel: only a Slack receiver has a channel, not pagerduty"),
    ("prod", section("prod", "cnop:alertmanager", ticket=[{"kind": "slack", "secret": "alertSlackUrl"}]),
     "cnop:alertmanager.ticket[0].channel: a Slack receiver needs its channel"),
    ("prod", section("prod", "cnop:alertmanager", ticket=[{"kind": "email", "secret": "alertSlackUrl"}]),
     "cnop:alertmanager.ticket[0].kind: Input should be 'pagerduty', 'slack' or 'webhook'"),
    ("prod", section("prod", "cnop:alertmanager", page=[{"kind": "pagerduty", "secret": "cnop:alert key"}]),
     "cnop:alertmanager.page[0].secret: 'cnop:alert key' is not a config key name such as alertPagerdutyKey"),
    ("dev", section("dev", "cnop:tracing", samplingRatio=1.5),
     "cnop:tracing.samplingRatio: Input should be less than or equal to 1"),
    ("dev", section("dev", "cnop:tracing", retention="7d"),
     "cnop:tracing.retention: '7d' is not a duration in hours such as 168h"),
    ("localstack", section("localstack", "cnop:logs", bucket=True),
     "cnop:logs.bucket: a Kind cluster has no S3 bucket: keep the logs on a volume"),
    ("prod", section("prod", "cnop:logs", storage="lots"),
     "cnop:logs.storage: 'lots' is not a Kubernetes memory quantity such as 512Mi or 1Gi"),
]


@pytest.mark.parametrize(("stack", "overrides", "problem"), REFUSALS, ids=[line for _, _, line in REFUSALS])
def test_a_bad_value_is_one_line_naming_the_file_and_key_before_any_resource(
    stack: str, overrides: dict[str, Any], problem: str
) -> None:
    assert_refused_before_any_resource(stack, overrides, problem)


@pytest.fixture(scope="module")
def prod_with_remote_write_and_a_secret_set() -> OfflineRun:
    """prod, its PagerDuty key set (encrypted in the file) and its samples also sent to an AMP workspace."""
    return run_offline("prod", {**section("prod", "cnop:monitoring", remoteWrite={"ampWorkspaceArn": AMP}),
                                "cnop:alertPagerdutyKey": {"secure": "AAABAEncrypted"}})


def test_a_receiver_s_secret_is_never_a_model_value_and_a_plan_says_it_is_still_to_set(
    runs: dict[str, OfflineRun], prod_with_remote_write_and_a_secret_set: OfflineRun
) -> None:
    assert runs["prod"].unset_secrets == ["cnop:alertPagerdutyKey", "cnop:alertSlackUrl"]
    assert runs["localstack"].unset_secrets == []
    assert unset_secrets({"cnop:alertmanager": {"page": [{"secret": "k1"}]}, "cnop:k1": {"secure": "x"}}) == []
    assert ("does not hold (offline placeholders here; set each with `pulumi config set --secret <key> <value> "
            "--stack prod` before `make deploy`): cnop:alertPagerdutyKey, cnop:alertSlackUrl"
            in plan.render(runs["prod"], 0))
    run = prod_with_remote_write_and_a_secret_set
    assert run.unset_secrets == ["cnop:alertSlackUrl"]
    [secret] = [s for s in run.of_type("kubernetes:core/v1:Secret") if s.name.endswith("receivers")]
    assert secret.secret_inputs["stringData"] == {
        "alertPagerdutyKey": "offline-placeholder-for-cnop:alertPagerdutyKey",
        "alertSlackUrl": "offline-placeholder-for-cnop:alertSlackUrl"}


def test_remote_write_to_an_amp_workspace_is_signed_with_prometheus_own_role(
    prod_with_remote_write_and_a_secret_set: OfflineRun
) -> None:
    run = prod_with_remote_write_and_a_secret_set
    (values,) = [r.inputs["values"] for r in run.of_type("kubernetes:helm.sh/v3:Release")
                 if r.inputs["chart"] == "kube-prometheus-stack"]
    assert values["prometheus"]["prometheusSpec"]["remoteWrite"] == [{
        "url": "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0a1b2c3d-4e5f-6789-abcd-ef0123456789"
               "/api/v1/remote_write", "sigv4": {"region": "us-east-1"}}]
    [policy] = [json.loads(r.inputs["policy"]) for r in run.of_type("aws:iam/rolePolicy:RolePolicy")
                if r.name == "monitoring-remote-write-policy"]
    assert policy["Statement"] == [{"Sid": "RemoteWrite", "Effect": "Allow", "Action": ["aps:RemoteWrite"],
                                    "Resource": AMP}]
    [association] = [r.inputs for r in run.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
                     if r.name == "monitoring-remote-write-identity"]
    assert (association["namespace"], association["serviceAccount"]) == ("monitoring", "kps-prometheus")
    assert values["prometheus"]["serviceAccount"]["name"] == "kps-prometheus"


def _kps(run: OfflineRun) -> Resource:
    (release,) = [r for r in run.of_type("kubernetes:helm.sh/v3:Release")
                  if r.inputs["chart"] == "kube-prometheus-stack"]
    return Resource(release.type, copy.deepcopy(release.inputs))


def test_the_policy_passes_every_stack_and_refuses_a_forgetful_production(runs: dict[str, OfflineRun]) -> None:
    assert [monitoring_in_prod(_kps(run)) for run in runs.values()] == [[], [], []]
    prod = _kps(runs["prod"])
    spec = prod.props["values"]["prometheus"]["prometheusSpec"]
    spec["retention"] = "15d"
    del spec["storageSpec"]
    prod.props["values"]["alertmanager"]["config"]["receivers"][0] = {"name": "page"}
    assert monitoring_in_prod(prod) == [
        "production Prometheus keeps 15d, less than the 30d the SLO rules look back",
        "production Prometheus needs a volume (storageSpec.volumeClaimTemplate)",
        "production's page receiver notifies no one"]
    dev = _kps(runs["dev"])
    dev.props["values"]["prometheus"]["prometheusSpec"]["retention"] = "15d"
    assert monitoring_in_prod(dev) == []  # the config refuses it for dev; the policy guards production


def test_the_prod_plan_shows_alerting_the_kept_history_traces_and_logs(runs: dict[str, OfflineRun]) -> None:
    printed = plan.render(runs["prod"], 0)
    for shown in ('chart="kube-prometheus-stack"', 'values.prometheus.prometheusSpec.retention="35d"',
                  'requests.storage="100Gi"', 'values.prometheus.prometheusSpec.enableFeatures=["exemplar-storage"]',
                  'values.alertmanager.alertmanagerSpec.secrets=["alertmanager-receivers"]',
                  '"/etc/alertmanager/secrets/alertmanager-receivers/alertPagerdutyKey"',
                  "kubernetes:core/v1:Secret  monitoring-alertmanager-receivers",
                  'chart="tempo" version="1.24.4"', 'chart="loki"', 'values.loki.storage.type="s3"',
                  'chart="alloy" version="1.2.1" namespace="monitoring" values.controller.type="deployment"',
                  'chart="prometheus-yet-another-cloudwatch-exporter"'):
        assert shown in printed, shown
    assert "offline-placeholder" not in printed
