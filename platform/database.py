"""Database: every DynamoDB table of ``apps.common.tables``, encrypted with the platform's own KMS key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from apps.common.tables import TABLES, TableDefinition


@dataclass(frozen=True, kw_only=True)
class DatabaseArgs:
    table_prefix: str
    """Environment prefix of every physical table name (``TableDefinition.physical_name``)."""
    point_in_time_recovery: pulumi.Input[bool] = True
    """Continuous backups with 35 days of point-in-time restore."""
    deletion_protection: pulumi.Input[bool] = True
    """Refuse DeleteTable until this is switched off."""
    key_deletion_window_days: pulumi.Input[int] = 30
    """Waiting period before the KMS key is really deleted."""
    protect: bool = False
    """Pulumi refuses to delete the tables and their key (``pulumi destroy``, a replacing change)."""
    retain_on_delete: bool = False
    """Removing them from the program leaves them in AWS instead of deleting them."""
    tables: Sequence[TableDefinition] = TABLES
    """The table definitions; the single definition unless a test narrows it."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource."""


class Database(pulumi.ComponentResource):
    kms_key_arn: pulumi.Output[str]
    table_names: dict[str, pulumi.Output[str]]
    """Physical table name by logical name."""
    table_arns: dict[str, pulumi.Output[str]]
    """Table ARN by logical name."""

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Deleting either loses data: a table its items, the key every item and backup encrypted with it.
        data = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.retain_on_delete)
        key = aws.kms.Key(
            f"{name}-key", description=f"{name}: DynamoDB tables at rest", enable_key_rotation=True,
            deletion_window_in_days=args.key_deletion_window_days, tags=dict(args.tags), opts=data,
        )
        aws.kms.Alias(f"{name}-key", name=f"alias/{args.table_prefix}tables", target_key_id=key.key_id, opts=child)
        self.kms_key_arn = key.arn
        self.table_names = {}
        self.table_arns = {}
        for definition in args.tables:
            table = _table(name, definition, args, key.arn, data)
            self.table_names[definition.logical_name] = table.name
            self.table_arns[definition.logical_name] = table.arn
        self.register_outputs({"kms_key_arn": self.kms_key_arn, "table_names": self.table_names,
                               "table_arns": self.table_arns})


def _table(
    name: str, definition: TableDefinition, args: DatabaseArgs, key_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.dynamodb.Table:
    if definition.billing_mode != "PAY_PER_REQUEST":
        raise ValueError(f"table {definition.logical_name}: only on-demand billing is deployed (no capacities)")
    physical = definition.physical_name(args.table_prefix)
    return aws.dynamodb.Table(
        f"{name}-{definition.logical_name}",
        name=physical,
        billing_mode=definition.billing_mode,
        hash_key=definition.hash_key.name,
        range_key=definition.range_key.name if definition.range_key else None,
        attributes=[aws.dynamodb.TableAttributeArgs(name=a.name, type=a.type) for a in definition.key_attributes()],
        global_secondary_indexes=[
            aws.dynamodb.TableGlobalSecondaryIndexArgs(
                name=index.name, projection_type=index.projection,
                key_schemas=[
                    aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(attribute_name=key.name, key_type=key_type)
                    for key, key_type in ((index.hash_key, "HASH"), (index.range_key, "RANGE")) if key is not None
                ],
            )
            for index in definition.global_indexes
        ],
        ttl=(aws.dynamodb.TableTtlArgs(attribute_name=definition.ttl_attribute, enabled=True)
             if definition.ttl_attribute else None),
        point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=args.point_in_time_recovery),
        server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True, kms_key_arn=key_arn),
        deletion_protection_enabled=args.deletion_protection,
        tags={**args.tags, "Name": physical},
        opts=opts,
    )
