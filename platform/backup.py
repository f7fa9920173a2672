"""Backup: an AWS Backup plan for the tables: a vault encrypted with its own key, a daily rule kept for the
configured number of days, and the selection of the tables by ARN."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

BACKUP_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)


@dataclass(frozen=True, kw_only=True)
class BackupArgs:
    resource_arns: Sequence[pulumi.Input[str]]
    """What is backed up: the tables."""
    schedule: str = "cron(0 3 * * ? *)"
    """When the daily backup starts (UTC), in AWS Backup's cron syntax."""
    retention_days: int = 35
    """How long each recovery point is kept."""
    protect: bool = False
    """Pulumi refuses to delete the vault and its key."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource and copied to the recovery points."""


class Backup(pulumi.ComponentResource):
    vault_name: pulumi.Output[str]
    plan_id: pulumi.Output[str]

    def __init__(self, name: str, args: BackupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Backup", name, None, opts)
        if args.retention_days < 1:
            raise ValueError("backups must be kept at least a day")
        child = pulumi.ResourceOptions(parent=self)
        data = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)
        tags = dict(args.tags)
        key = aws.kms.Key(f"{name}-key", description=f"{name}: backup vault", enable_key_rotation=True,
                          deletion_window_in_days=30, tags=tags, opts=data)
        vault = aws.backup.Vault(f"{name}-vault", kms_key_arn=key.arn, tags=tags, opts=data)
        plan = aws.backup.Plan(f"{name}-plan", tags=tags, opts=child, rules=[aws.backup.PlanRuleArgs(
            rule_name="daily", target_vault_name=vault.name, schedule=args.schedule,
            start_window=60, completion_window=360, recovery_point_tags=tags,
            lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=args.retention_days))])
        role = aws.iam.Role(f"{name}-role", tags=tags, opts=child, assume_role_policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "backup.amazonaws.com"}}]}))
        for index, policy_arn in enumerate(BACKUP_POLICIES):
            aws.iam.RolePolicyAttachment(f"{name}-role-{index}", role=role.name, policy_arn=policy_arn, opts=child)
        aws.backup.Selection(f"{name}-tables", name=f"{name}-tables", plan_id=plan.id, iam_role_arn=role.arn,
                             resources=list(args.resource_arns), opts=child)
        self.vault_name = vault.name
        self.plan_id = plan.id
        self.register_outputs({"vault_name": self.vault_name, "plan_id": self.plan_id})
