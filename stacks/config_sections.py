"""What surrounds the cluster, as sections of the stack config: the public edge, who administers the cluster,
node capacity, backups, alert recipients and the signing keys. ``stacks/config.py`` checks them against the
rest of the config (``StackConfig``)."""

from __future__ import annotations

from typing import Annotated

from cnop_platform.backup import BackupArgs
from cnop_platform.edge import EdgeArgs
from cnop_platform.karpenter import KarpenterArgs
from cnop_platform.secrets import SecretsArgs
from pydantic import Field, field_validator, model_validator

from stacks.config_types import (
    AmiAlias,
    AwsCron,
    CapacityType,
    CertificateArn,
    ConfigRuleError,
    CpuQuantity,
    DomainName,
    Email,
    Flag,
    HostedZoneId,
    KeyGeneration,
    MemoryQuantity,
    RoleArn,
    Section,
    component_default,
    matching,
)


class EdgeConfig(Section):
    """The public entry on EKS: an ALB with an ACM certificate, HTTPS only."""

    domain: DomainName
    certificate_arn: CertificateArn | None = None
    """An issued certificate for ``domain``; without it one is requested and validated in ``hostedZoneId``."""
    hosted_zone_id: HostedZoneId | None = None
    """The Route 53 zone of ``domain``: validates a requested certificate and points ``domain`` at the ALB."""
    waf: Flag = component_default(EdgeArgs, "waf")
    waf_rate_limit: Annotated[int, Field(strict=True, ge=100, le=2_000_000_000)] = component_default(
        EdgeArgs, "waf_rate_limit")

    @model_validator(mode="after")
    def _has_certificate(self) -> EdgeConfig:
        if self.certificate_arn is None and self.hosted_zone_id is None:
            raise ConfigRuleError("certificateArn", "HTTPS needs a certificate: certificateArn, or hostedZoneId "
                                                    "to request and DNS-validate one")
        return self


class AccessConfig(Section):
    """Who administers the cluster besides whoever created it (EKS access entries)."""

    operator_role_arn: RoleArn | None = None
    ci_role_arn: RoleArn | None = None

    def admin_roles(self) -> dict[str, str]:
        roles = {"operators": self.operator_role_arn, "ci": self.ci_role_arn}
        return {purpose: arn for purpose, arn in roles.items() if arn is not None}


class CapacityConfig(Section):
    """Karpenter's bounds: the NodePool's limits are the most the apps' nodes may add up to."""

    max_cpu: CpuQuantity = component_default(KarpenterArgs, "max_cpu")
    max_memory: MemoryQuantity = component_default(KarpenterArgs, "max_memory")
    capacity_types: tuple[CapacityType, ...] = Field(component_default(KarpenterArgs, "capacity_types"),
                                                     min_length=1)
    instance_categories: tuple[Annotated[str, matching(r"[a-z]", "an instance category letter such as m")],
                               ...] = Field(component_default(KarpenterArgs, "instance_categories"), min_length=1)
    ami_alias: AmiAlias = component_default(KarpenterArgs, "ami_alias")


class BackupConfig(Section):
    enabled: Flag = False
    """An AWS Backup plan for the tables."""
    schedule: AwsCron = component_default(BackupArgs, "schedule")
    retention_days: Annotated[int, Field(strict=True, ge=1, le=36500)] = component_default(
        BackupArgs, "retention_days")


class AlertsConfig(Section):
    emails: tuple[Email, ...] = ()
    """Subscribed to the alarms' topic (each confirms by e-mail)."""


class SecretsConfig(Section):
    signing_keys: tuple[KeyGeneration, ...] = Field(component_default(SecretsArgs, "signing_keys"),
                                                    min_length=1, max_length=2)
    """JWT key generations, the signing one first; a second is published too (rotation, docs/deploy.md)."""

    @field_validator("signing_keys")
    @classmethod
    def _distinct(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(keys)) != len(keys):
            raise ValueError(f"signing keys repeat in {list(keys)}")
        return keys
