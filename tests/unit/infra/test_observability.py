"""Operating the platform in a cluster, from the objects each stack's real program creates (offline): alerts that
reach someone without a key in any plain value, Prometheus' history and labels, exemplars, traces from every app,
logs shipped with their service, datasources linked both ways, the exporters and their jobs, and read-only AWS."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from cnop_platform.aws_signals import READ_ACTIONS
from cnop_platform.log_store import push_url
from cnop_platform.monitoring_values import ALERTMANAGER_SECRET, receiver_secret_file
from cnop_platform.tracing_backend import OTLP_HTTP_PORT, otlp_endpoint

from apps.common.services import SERVICES, public_entry
from apps.common.tracing import TracingSettings
from dashboards.config import CONFIG, JOBS
from dashboards.deploys import DEPLOY_SERIES
from dashboards.probes import probe_targets
from dashboards.rules.render import prometheus_rule_groups
from ops.envnames import env_name
from ops.offline import OfflineRun, PlannedResource
from stacks.observability import MONITORING_NAMESPACE
from tests.unit.infra.test_network_policies import Pod, app, connects
from tests.unit.monitoring.amtool_support import routed_to, run_amtool

RELEASE = "kubernetes:helm.sh/v3:Release"
SECRET = "kubernetes:core/v1:Secret"
EKS_STACKS = ("dev", "prod")


def section(run: OfflineRun, key: str) -> dict[str, Any]:
    return json.loads(run.config.get(f"cnop:{key}", "{}"))  # type: ignore[no-any-return]


def release(run: OfflineRun, chart: str) -> PlannedResource:
    (found,) = [r for r in run.of_type(RELEASE) if r.inputs["chart"] == chart]
    return found


def kps(run: OfflineRun) -> dict[str, Any]:
    return release(run, "kube-prometheus-stack").inputs["values"]  # type: ignore[no-any-return]


def named(run: OfflineRun, type_token: str, name: str) -> PlannedResource:
    (found,) = [r for r in run.of_type(type_token) if r.name == name]
    return found


def receiver_configs(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [config for receiver in values["alertmanager"]["config"]["receivers"]
            for kind, configs in receiver.items() if kind.endswith("_configs") for config in configs]


def test_receivers_read_their_keys_from_a_mounted_secret_and_no_key_is_in_the_values(run: OfflineRun) -> None:
    values = kps(run)
    assert "[secret]" not in json.dumps(values)  # nothing in the Helm values (and so the release) is a secret
    wanted = {receiver["secret"] for route in ("page", "ticket") for receiver in section(run, "alertmanager")
              .get(route, [])}
    configs = receiver_configs(values)
    assert {key for config in configs for key in config} & {"routing_key", "api_url", "url"} == set()
    files = {value for config in configs for key, value in config.items() if key.endswith("_file")}
    assert files == {receiver_secret_file(key) for key in wanted}
    secrets = [s for s in run.of_type(SECRET) if s.inputs["metadata"]["name"] == ALERTMANAGER_SECRET]
    if not wanted:
        assert secrets == [] and values["alertmanager"]["alertmanagerSpec"]["secrets"] == []
        return
    (secret,) = secrets
    assert secret.inputs["stringData"] == "[secret]"
    assert set(secret.secret_inputs["stringData"]) == wanted  # the offline placeholders of the stack's secrets
    assert values["alertmanager"]["alertmanagerSpec"]["secrets"] == [ALERTMANAGER_SECRET]


def test_alerts_route_by_severity_with_the_stack_s_runbooks(run: OfflineRun) -> None:
    runbooks = section(run, "alertmanager")["runbookBaseUrl"]
    config = kps(run)["alertmanager"]["config"]
    assert config["route"]["routes"][0]["matchers"] == ['severity="critical"']
    assert config["inhibit_rules"]
    assert f"{runbooks}/README.md" in json.dumps(config) or not receiver_configs(kps(run))
    rules = named(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-rules").inputs
    assert rules["spec"]["groups"] == prometheus_rule_groups(runbook_base_url=runbooks)
    alerts = [rule for group in rules["spec"]["groups"] for rule in group["rules"] if "alert" in rule]
    assert alerts and all(rule["annotations"]["runbook_url"] == f"{runbooks}/{rule['alert']}.md" for rule in alerts)


def test_production_pages_someone_and_dev_posts_to_a_channel(runs: dict[str, OfflineRun]) -> None:
    receivers = {r["name"]: r for r in kps(runs["prod"])["alertmanager"]["config"]["receivers"]}
    assert [c["routing_key_file"] for c in receivers["page"]["pagerduty_configs"]] == [
        receiver_secret_file("alertPagerdutyKey")]
    assert receivers["ticket"]["slack_configs"][0]["channel"] == "#cnop-prod-alerts"
    dev = {r["name"]: r for r in kps(runs["dev"])["alertmanager"]["config"]["receivers"]}
    assert set(dev["page"]) == {"name", "slack_configs"}


def test_each_up_records_a_deploy_marker_of_the_image_version(run: OfflineRun) -> None:
    rule = named(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-deploys").inputs
    [group] = rule["spec"]["groups"]
    [marker] = group["rules"]
    assert marker["record"] == DEPLOY_SERIES
    assert marker["labels"] == {"version": json.loads(run.config["cnop:images"])["tag"],
                                "environment": run.config["cnop:environment"]}
    deployed_at = float(marker["expr"].removeprefix("vector(").removesuffix(")"))
    assert time.time() - 3600 < deployed_at <= time.time()  # recorded when the program ran


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_prometheus_keeps_the_slo_windows_on_a_gp3_volume(stack: str, runs: dict[str, OfflineRun]) -> None:
    spec = kps(runs[stack])["prometheus"]["prometheusSpec"]
    monitoring = section(runs[stack], "monitoring")
    assert spec["retention"] == monitoring["prometheusRetention"]
    assert int(spec["retention"].removesuffix("d")) >= 30
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["storageClassName"] == "gp3" and claim["accessModes"] == ["ReadWriteOnce"]
    assert claim["resources"]["requests"]["storage"] == monitoring["prometheusStorage"]


def test_kind_keeps_prometheus_light(runs: dict[str, OfflineRun]) -> None:
    spec = kps(runs["localstack"])["prometheus"]["prometheusSpec"]
    assert "storageSpec" not in spec and "remoteWrite" not in spec and spec["retention"] == "2d"


def test_every_scraped_series_carries_environment_and_cluster_and_exemplars_are_kept(run: OfflineRun) -> None:
    spec = kps(run)["prometheus"]["prometheusSpec"]
    labels = {CONFIG.environment_label: run.config["cnop:environment"],
              "cluster": f"cnop-{run.config['cnop:environment']}"}
    [scrape_class] = spec["scrapeClasses"]
    assert scrape_class["default"] is True  # every ServiceMonitor, PodMonitor and Probe: what Grafana queries
    assert {r["targetLabel"]: r["replacement"] for r in scrape_class["relabelings"]} == labels
    assert spec["externalLabels"] == labels  # and alerts, remote writes
    assert spec["enableFeatures"] == ["exemplar-storage"]
    [probes] = spec["additionalScrapeConfigs"]  # a plain job, outside the scrape classes: it sets them itself
    assert all(static["labels"][name] == value for static in probes["static_configs"] for name, value in labels.items())


def test_the_probes_request_every_public_route_through_the_service_and_on_aws_the_public_address(
    run: OfflineRun
) -> None:
    [probes] = kps(run)["prometheus"]["prometheusSpec"]["additionalScrapeConfigs"]
    gateway = public_entry()
    service = f"http://{gateway.name}.cnop.svc.cluster.local:{gateway.port}"
    bases = [service] + ([run.outputs["gatewayUrl"]] if "cnop:edge" in run.config else [])
    assert probes["job_name"] == JOBS.probes
    assert [static["targets"] for static in probes["static_configs"]] == [
        [f"{base}{target.path}" for base in bases] for target in probe_targets()]
    exporter = f"blackbox-exporter.{MONITORING_NAMESPACE}.svc.cluster.local:9115"
    assert probes["relabel_configs"][-1]["replacement"] == exporter
    assert release(run, "prometheus-blackbox-exporter").inputs["values"]["config"]["modules"]


def test_every_app_sends_its_spans_to_tempo_with_the_stack_s_ratio(run: OfflineRun) -> None:
    ratio = section(run, "tracing")["samplingRatio"]
    deployments = [d for d in run.of_type("kubernetes:apps/v1:Deployment") if d.name.endswith("-deployment")]
    by_app = {d.name.removesuffix("-deployment"): {e["name"]: e.get("value") for e in
                                                   d.inputs["spec"]["template"]["spec"]["containers"][0]["env"]}
              for d in deployments}
    assert set(by_app) >= {entry.name for entry in SERVICES}
    for entry in SERVICES:
        env = by_app[entry.name]
        settings = TracingSettings(**{field: env[env_name(TracingSettings, field)]
                                      for field in ("exporter_otlp_endpoint", "traces_sampler_arg")})
        assert settings.exporter_otlp_endpoint == otlp_endpoint(MONITORING_NAMESPACE), entry.name
        assert settings.traces_sampler_arg == ratio, entry.name
    tempo = Pod(MONITORING_NAMESPACE, {"app.kubernetes.io/name": "tempo"})
    for entry in SERVICES:
        assert connects(run, app(entry.name), tempo, OTLP_HTTP_PORT), entry.name
        assert not connects(run, app(entry.name), tempo, 3100), entry.name  # its query API stays closed to apps
    values = release(run, "tempo").inputs["values"]
    assert values["tempo"]["retention"] == section(run, "tracing")["retention"]
    assert values["tempo"]["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == f"0.0.0.0:{OTLP_HTTP_PORT}"


def test_alloy_ships_the_apps_logs_to_loki_labelled_with_their_service(run: OfflineRun) -> None:
    config = release(run, "alloy").inputs["values"]["alloy"]["configMap"]["content"]
    assert 'names = ["cnop"]' in config
    service = 'source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]\n    target_label  = "service"'
    assert service in config
    assert f'url = "{push_url(MONITORING_NAMESPACE)}"' in config
    environment = run.config["cnop:environment"]
    assert f'external_labels = {{ cluster = "cnop-{environment}", environment = "{environment}" }}' in config
    assert "{{" not in config  # the chart passes it through Helm's tpl


def test_loki_keeps_logs_on_a_volume_or_in_a_private_bucket_for_the_configured_time(run: OfflineRun) -> None:
    logs = section(run, "logs")
    values = release(run, "loki").inputs["values"]
    assert values["loki"]["limits_config"]["retention_period"] == logs["retention"]
    assert values["loki"]["compactor"]["retention_enabled"] is True
    buckets = run.of_type("aws:s3/bucket:Bucket")
    if not logs.get("bucket"):
        assert values["loki"]["storage"] == {"type": "filesystem"} and not buckets
        return
    (bucket,) = buckets
    assert bucket.protect is (run.stack == "prod")
    assert values["loki"]["storage"]["type"] == "s3"
    assert named(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "logs-private").inputs[
        "restrictPublicBuckets"] is True
    policy = json.loads(named(run, "aws:iam/rolePolicy:RolePolicy", "logs-policy").inputs["policy"])
    actions = {action for statement in policy["Statement"] for action in statement["Action"]}
    assert actions == {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}
    association = named(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "logs-identity").inputs
    assert (association["namespace"], association["serviceAccount"]) == (MONITORING_NAMESPACE, "loki")


def test_grafana_loads_the_one_datasource_definition_linked_both_ways(run: OfflineRun) -> None:
    grafana = kps(run)["grafana"]["sidecar"]["datasources"]
    assert grafana["defaultDatasourceEnabled"] is False and grafana["alertmanager"] == {"enabled": False}
    config_map = named(run, "kubernetes:core/v1:ConfigMap", "monitoring-datasources").inputs
    assert config_map["metadata"]["labels"]["grafana_datasource"] == "1"
    [text] = config_map["data"].values()
    by_uid = {d["uid"]: d for d in yaml.safe_load(text)["datasources"]}
    g = CONFIG.grafana
    assert set(by_uid) == {g.datasource_uid, g.alertmanager_datasource_uid, g.traces_datasource_uid,
                           g.logs_datasource_uid}
    assert by_uid[g.datasource_uid]["url"] == f"http://kps-prometheus.{MONITORING_NAMESPACE}.svc.cluster.local:9090"
    assert by_uid[g.datasource_uid]["jsonData"]["exemplarTraceIdDestinations"][0]["datasourceUid"] == \
        g.traces_datasource_uid
    assert by_uid[g.traces_datasource_uid]["jsonData"]["tracesToLogsV2"]["datasourceUid"] == g.logs_datasource_uid
    assert by_uid[g.logs_datasource_uid]["jsonData"]["derivedFields"][0]["datasourceUid"] == g.traces_datasource_uid
    assert by_uid[g.logs_datasource_uid]["jsonData"]["derivedFields"][0]["url"] == "$${__value.raw}"


def test_the_redis_exporter_reads_redis_from_a_secret_as_job_redis(run: OfflineRun) -> None:
    values = release(run, "prometheus-redis-exporter").inputs["values"]
    assert "[secret]" not in json.dumps(values)
    source = values["redisAddressConfig"]
    assert source["enabled"] and source["isSecret"] and source["source"]["name"] == "redis-exporter-address"
    address = named(run, SECRET, "redis-exporter-address")
    assert address.inputs["stringData"] == "[secret]"
    scheme = "rediss://" if run.stack != "localstack" else "redis://"  # ElastiCache only over TLS
    assert address.secret_inputs["stringData"]["address"].startswith(scheme)
    assert values["serviceMonitor"]["relabelings"] == [{"targetLabel": "job", "replacement": JOBS.redis,
                                                        "action": "replace"}]
    if run.stack == "localstack":  # the in-cluster Redis admits the exporter's namespace
        exporter = Pod(MONITORING_NAMESPACE, {"app.kubernetes.io/name": "prometheus-redis-exporter"})
        assert connects(run, exporter, Pod("cnop", {"app.kubernetes.io/name": "cache",
                                                    "app.kubernetes.io/component": "cache"}), 6379)


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_yace_reads_cloudwatch_with_a_read_only_role_of_this_cluster(stack: str, runs: dict[str, OfflineRun]) -> None:
    run = runs[stack]
    policy = json.loads(named(run, "aws:iam/rolePolicy:RolePolicy", "aws-signals-policy").inputs["policy"])
    actions = [action for statement in policy["Statement"] for action in statement["Action"]]
    assert sorted(actions) == sorted(READ_ACTIONS)
    assert all(action.split(":")[1].startswith(("Get", "List", "Describe")) for action in actions)
    assert all(statement["Effect"] == "Allow" for statement in policy["Statement"])
    trust = json.loads(named(run, "aws:iam/role:Role", "aws-signals-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(f":cluster/cnop-{stack}")
    values = release(run, "prometheus-yet-another-cloudwatch-exporter").inputs["values"]
    config = yaml.safe_load(values["config"])
    assert {job["type"] for job in config["discovery"]["jobs"]} == {"AWS/DynamoDB", "AWS/ElastiCache",
                                                                    "AWS/ApplicationELB"}
    assert all({"key": "Environment", "value": f"^{stack}$"} in job["searchTags"]
               for job in config["discovery"]["jobs"])
    assert values["serviceMonitor"]["relabelings"][0]["replacement"] == JOBS.cloudwatch


def test_kind_has_no_aws_exporter(runs: dict[str, OfflineRun]) -> None:
    charts = {r.inputs["chart"] for r in runs["localstack"].of_type(RELEASE)}
    assert "prometheus-yet-another-cloudwatch-exporter" not in charts
    assert {"kube-prometheus-stack", "tempo", "loki", "alloy", "prometheus-redis-exporter",
            "prometheus-blackbox-exporter"} <= charts


def test_each_cluster_s_alertmanager_configuration_passes_amtool_and_routes_by_severity(
    run: OfflineRun, tmp_path: Path
) -> None:
    """What the release gives Alertmanager, receivers as files included (amtool reads no secret file)."""
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(kps(run)["alertmanager"]["config"]))
    result = run_amtool("check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert routed_to(path, {"alertname": "RedisDown", "severity": "critical"}) == "page"
    assert routed_to(path, {"alertname": "PlatformTargetDown", "severity": "warning"}) == "ticket"
