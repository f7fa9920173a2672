"""Operating the platform in the cluster, from the stack config: kube-prometheus-stack (rules, deploy marker,
alert receivers, Prometheus' volume and labels, Grafana's datasources), Tempo for the traces, Loki and Alloy for
the logs, the Redis and blackbox exporters, and on AWS YACE for AWS's own signals.

What is shared with the local stack and compose comes from ``dashboards/`` (one definition each): the rule groups,
Alertmanager's routes and receivers, the deploy marker, the probes, the datasources, the job names.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from cnop_platform.appservice import EgressRule
from cnop_platform.aws_signals import AwsSignals, AwsSignalsArgs
from cnop_platform.log_agent import LogAgent, LogAgentArgs
from cnop_platform.log_store import LogStore, LogStoreArgs, push_url
from cnop_platform.log_store import query_url as logs_url
from cnop_platform.monitoring import Monitoring, MonitoringArgs
from cnop_platform.monitoring_values import (
    Alerting,
    PrometheusStorage,
    RemoteWrite,
    amp_remote_write,
    in_cluster_urls,
    receiver_secret_file,
)
from cnop_platform.pod_identity import PodIdentity
from cnop_platform.redis_exporter import RedisExporter, RedisExporterArgs
from cnop_platform.synthetic_probes import SyntheticProbes, SyntheticProbesArgs, exporter_address
from cnop_platform.tracing_backend import TracingBackend, TracingBackendArgs, otlp_egress, otlp_endpoint
from cnop_platform.tracing_backend import query_url as traces_url

from apps.common.tracing import TracingSettings
from dashboards.alerting import alertmanager_config
from dashboards.build import GENERATED_DIR
from dashboards.config import CONFIG, JOBS
from dashboards.datasources import Backends, provisioning_file
from dashboards.deploys import deploy_marker_group
from dashboards.probes import blackbox_config, probe_scrape_config
from dashboards.receivers import PagerDuty, Receiver, Receivers, Slack, Webhook
from dashboards.rules.render import prometheus_rule_groups
from ops.envnames import env_name
from stacks.config import StackConfig
from stacks.config_observability import ReceiverConfig
from stacks.config_types import component_default

MONITORING_NAMESPACE: str = component_default(MonitoringArgs, "namespace")


def tracing_env(config: StackConfig) -> dict[str, str]:
    """Every app's ``OTEL_*`` settings (``apps/common/tracing.py``): spans to the cluster's Tempo, the stack's
    sampling ratio (the gateway decides, the apps follow)."""
    return {env_name(TracingSettings, "exporter_otlp_endpoint"): otlp_endpoint(MONITORING_NAMESPACE),
            env_name(TracingSettings, "traces_sampler_arg"): f"{config.tracing.sampling_ratio:g}"}


def traces_egress() -> EgressRule:
    """The apps' NetworkPolicy rule to Tempo's OTLP receiver."""
    return otlp_egress(MONITORING_NAMESPACE)


def scrape_labels(config: StackConfig) -> dict[str, str]:
    """What every series, alert and log line of this stack says about where it comes from."""
    return {CONFIG.environment_label: config.environment, "cluster": config.cluster_name}


def _receiver(receiver: ReceiverConfig) -> Receiver:
    secret_file = receiver_secret_file(receiver.secret)
    if receiver.kind == "pagerduty":
        return PagerDuty(routing_key_file=secret_file)
    if receiver.kind == "slack":
        return Slack(channel=receiver.channel or "", api_url_file=secret_file)
    return Webhook(url_file=secret_file)


def alerting(config: StackConfig) -> Alerting:
    """Alertmanager's routes and inhibitions with the stack's receivers, each reading its key from a file."""
    section = config.alertmanager
    receivers = Receivers(page=[_receiver(r) for r in section.page], ticket=[_receiver(r) for r in section.ticket])
    return Alerting(config=alertmanager_config(receivers, runbook_base_url=section.runbook_base_url),
                    secrets=dict(config.receiver_secrets))


def _remote_write(config: StackConfig) -> RemoteWrite | None:
    target = config.monitoring.remote_write
    if target is None:
        return None
    if target.amp_workspace_arn is not None:
        return amp_remote_write(target.amp_workspace_arn)
    return RemoteWrite(url=str(target.url))


def datasources() -> dict[str, object]:
    """The cluster's Grafana: ``dashboards/datasources.py`` at the in-cluster addresses."""
    urls = in_cluster_urls(MONITORING_NAMESPACE)
    return provisioning_file(Backends(prometheus=urls["prometheus"], alertmanager=urls["alertmanager"],
                                      tempo=traces_url(MONITORING_NAMESPACE), loki=logs_url(MONITORING_NAMESPACE)))


@dataclass(frozen=True, kw_only=True)
class Watched:
    """What the monitoring watches besides the apps' metrics."""

    gateway_urls: Sequence[pulumi.Input[str]]
    """The gateway's in-cluster URL and, on AWS, its public one: what the synthetic probes request."""
    redis_url: pulumi.Input[str]
    """Redis' URL with its password (a secret): what the Redis exporter reads."""
    app_namespace: pulumi.Input[str]
    """The apps' namespace: scraped, and whose pods' logs are shipped."""
    identity: PodIdentity | None
    """The EKS cluster the AWS-calling components' roles trust; None on Kind."""


def observe(config: StackConfig, watched: Watched, opts: pulumi.ResourceOptions) -> Monitoring:
    """Every monitoring component of the stack; returns kube-prometheus-stack's."""
    monitoring = Monitoring("monitoring", _monitoring_args(config, watched), opts=opts)
    ns = monitoring.namespace
    # The charts' ServiceMonitors need the operator's custom resource definitions.
    after = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[monitoring.release]))
    TracingBackend("traces", TracingBackendArgs(
        namespace=ns, retention=config.tracing.retention, storage_size=config.tracing.storage), opts=after)
    LogStore("logs", LogStoreArgs(
        namespace=ns, retention=config.logs.retention, storage_size=config.logs.storage, bucket=config.logs.bucket,
        identity=watched.identity, protect=config.database.protect, region=config.region, tags=config.tags),
        opts=after)
    LogAgent("log-agent", LogAgentArgs(
        namespace=ns, push_url=push_url(MONITORING_NAMESPACE), namespaces=[config.cluster.namespace],
        labels=scrape_labels(config)), opts=after)
    RedisExporter("redis-exporter", RedisExporterArgs(namespace=ns, redis_url=watched.redis_url, job=JOBS.redis),
                  opts=after)
    SyntheticProbes("probes", SyntheticProbesArgs(namespace=ns, config=blackbox_config()), opts=after)
    if watched.identity is not None:
        AwsSignals("aws-signals", AwsSignalsArgs(
            namespace=ns, identity=watched.identity, region=config.region, job=JOBS.cloudwatch,
            search_tags={key: config.tags[key] for key in ("Project", "Environment")}), opts=after)
    return monitoring


def _monitoring_args(config: StackConfig, watched: Watched) -> MonitoringArgs:
    section = config.monitoring
    labels = scrape_labels(config)
    probes = pulumi.Output.all(*watched.gateway_urls).apply(lambda urls: probe_scrape_config(
        gateway_urls=urls, exporter_address=exporter_address(MONITORING_NAMESPACE), labels=labels))
    storage = None
    if section.prometheus_storage is not None:
        storage = PrometheusStorage(size=section.prometheus_storage, retention_size=section.prometheus_retention_size)
    return MonitoringArgs(
        chart_version=section.chart_version, app_namespace=watched.app_namespace,
        grafana_service_type=section.grafana_service_type, grafana_node_port=section.grafana_node_port,
        prometheus_retention=section.prometheus_retention, prometheus_storage=storage,
        remote_write=_remote_write(config), identity=watched.identity, scrape_labels=labels,
        additional_scrape_configs=[probes], alerting=alerting(config),
        rule_groups=prometheus_rule_groups(runbook_base_url=config.alertmanager.runbook_base_url),
        # Each `pulumi up` replaces it: the dashboards' "Deploys" annotation marks the release at that moment.
        deploy_marker=deploy_marker_group(version=config.images.tag, deployed_at=time.time(),
                                          environment=config.environment).as_dict(),
        datasources=datasources(), dashboards_dir=GENERATED_DIR)
