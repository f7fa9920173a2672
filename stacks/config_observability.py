"""The stack config's sections for operating the platform in a cluster: where alerts go (``alertmanager``), the
traces (``tracing``), the logs (``logs``) and Prometheus' long-term storage (``monitoring.remoteWrite``).
``check_observability`` ties them to the rest of the stack (``stacks/config.py`` calls it).

Receivers' keys are secrets: a receiver names the secret config key that holds its key or URL (``secret``),
which ``pulumi config set --secret <key> <value>`` sets; the program reads it as an encrypted Output
(``stacks/config.py``'s ``load``) and it reaches Alertmanager only as a mounted file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from cnop_platform.log_store import LogStoreArgs
from cnop_platform.tracing_backend import TracingBackendArgs
from pydantic import Field, model_validator

from dashboards.config import CONFIG, duration_seconds
from stacks.config_types import ConfigRuleError, Flag, MemoryQuantity, Section, Url, component_default, matching

if TYPE_CHECKING:
    from stacks.config import StackConfig

SECRET_FIELD = "secret"
"""A section's field that names a secret config key (never holds the secret)."""
SecretKeyName = Annotated[str, matching(r"[a-z][A-Za-z0-9]{2,63}", "a config key name such as alertPagerdutyKey")]
Hours = Annotated[str, matching(r"[1-9]\d*h", "a duration in hours such as 168h")]
Ratio = Annotated[float, Field(ge=0.0, le=1.0)]
StorageSize = Annotated[str, matching(r"\d+(B|KB|MB|GB|TB|PB)", "a Prometheus size such as 90GB")]
AmpWorkspaceArn = Annotated[str, matching(r"arn:aws[a-z-]*:aps:[a-z0-9-]+:\d{12}:workspace/ws-[0-9a-f-]+",
                                          "an Amazon Managed Service for Prometheus workspace ARN")]
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


class ReceiverConfig(Section):
    """One place a route notifies: PagerDuty (the routing key), Slack (an incoming-webhook URL and a channel) or
    any webhook (its URL), the secret read from the config key ``secret`` names."""

    kind: Literal["pagerduty", "slack", "webhook"]
    secret: SecretKeyName
    channel: Annotated[str, Field(min_length=1)] | None = None
    """The Slack channel (Slack only)."""

    @model_validator(mode="after")
    def _channel_for_slack_only(self) -> ReceiverConfig:
        if self.kind == "slack" and self.channel is None:
            raise ConfigRuleError("channel", "a Slack receiver needs its channel")
        if self.kind != "slack" and self.channel is not None:
            raise ConfigRuleError("channel", f"only a Slack receiver has a channel, not {self.kind}")
        return self


class AlertmanagerConfig(Section):
    """Alertmanager's routes (``dashboards/alerting.py``): critical alerts page, the rest make tickets."""

    runbook_base_url: Url
    """Where the runbooks (docs/runbooks) are published: every alert links to ``<this>/<alert>.md``."""
    page: tuple[ReceiverConfig, ...] = ()
    """Who is woken up (severity critical); none drops the pages (Alertmanager still shows them)."""
    ticket: tuple[ReceiverConfig, ...] = ()
    """Where the rest go (a chat channel, a queue); none drops them."""

    def secret_keys(self) -> list[str]:
        """The secret config keys the receivers read, each once."""
        return sorted({receiver.secret for receiver in (*self.page, *self.ticket)})


class TracingConfig(Section):
    """The apps' spans (``OTEL_*``) and Tempo, where they go."""

    sampling_ratio: Ratio = 1.0
    """Share of requests traced (decided at the gateway; the apps follow it)."""
    retention: Hours = component_default(TracingBackendArgs, "retention")
    storage: MemoryQuantity | None = None
    """Tempo's volume; unset keeps traces in its pod (Kind)."""


class LogsConfig(Section):
    """Loki, where Alloy ships the pods' log lines."""

    retention: Hours = component_default(LogStoreArgs, "retention")
    storage: MemoryQuantity | None = None
    """Loki's volume; unset keeps it in its pod (Kind)."""
    bucket: Flag = component_default(LogStoreArgs, "bucket")
    """Chunks and index in an S3 bucket of the stack's (EKS) rather than on the volume."""


class RemoteWriteConfig(Section):
    """Every sample also sent to a long-term store: a plain remote-write URL, or an Amazon Managed Service for
    Prometheus workspace (SigV4 with Prometheus' Pod Identity role)."""

    url: Url | None = None
    amp_workspace_arn: AmpWorkspaceArn | None = None

    @model_validator(mode="after")
    def _one_target(self) -> RemoteWriteConfig:
        if (self.url is None) == (self.amp_workspace_arn is None):
            raise ConfigRuleError("url", "give exactly one of url and ampWorkspaceArn")
        return self


def duration_of(retention: str) -> float:
    """Seconds in a Prometheus duration such as ``35d`` or ``5w``."""
    for unit in sorted(_UNITS, key=len, reverse=True):
        if retention.endswith(unit) and retention[: -len(unit)].isdigit():
            return int(retention[: -len(unit)]) * _UNITS[unit]
    raise ValueError(f"{retention!r} is not a Prometheus duration")


def longest_slo_window() -> str:
    """The longest window the SLO rules look back (``dashboards/config.py``'s objectives): 30d."""
    periods = [CONFIG.availability.period, CONFIG.latency.period]
    return max(periods, key=duration_seconds)


def check_observability(config: StackConfig) -> None:
    """What a cluster that people rely on needs: a history as long as the SLO windows, on a volume, on EKS; a
    receiver that pages in production; AWS-only storage on AWS only."""
    eks = config.cluster.kind == "eks"
    monitoring = config.monitoring
    window = longest_slo_window()
    if config.environment in ("dev", "prod"):
        if duration_of(monitoring.prometheus_retention) < duration_seconds(window):
            raise ConfigRuleError("monitoring.prometheusRetention",
                                  f"{monitoring.prometheus_retention} is shorter than the {window} the SLO rules look "
                                  f"back: keep at least {window} (and a margin)")
        if eks and monitoring.prometheus_storage is None:
            raise ConfigRuleError("monitoring.prometheusStorage",
                                  f"{window} of history needs a volume: give its size, e.g. 100Gi")
    if config.environment == "prod" and not config.alertmanager.page:
        raise ConfigRuleError("alertmanager.page", "production pages someone: give at least one receiver")
    if not eks:
        if config.logs.bucket:
            raise ConfigRuleError("logs.bucket", "a Kind cluster has no S3 bucket: keep the logs on a volume")
        if monitoring.remote_write is not None and monitoring.remote_write.amp_workspace_arn is not None:
            raise ConfigRuleError("monitoring.remoteWrite.ampWorkspaceArn",
                                  "signing for Amazon Managed Service for Prometheus needs EKS's Pod Identity")


def named_secret_keys(values: Mapping[str, Any] | Sequence[Any] | Any) -> list[str]:
    """Every secret config key named by a ``secret`` field anywhere in raw stack config ``values``."""
    found: set[str] = set()
    if isinstance(values, Mapping):
        for key, value in values.items():
            if key == SECRET_FIELD and isinstance(value, str):
                found.add(value)
            else:
                found.update(named_secret_keys(value))
    elif isinstance(values, list | tuple):
        for item in values:
            found.update(named_secret_keys(item))
    return sorted(found)
