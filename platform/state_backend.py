"""StateBackend: where Pulumi keeps the platform's state and what encrypts its secrets.

An S3 bucket (versioned, encrypted with its own rotating KMS key, owner-enforced, every public access blocked,
TLS only, old versions expired after a while) and the KMS key whose alias the stacks name as their secrets
provider (``secretsprovider: awskms://alias/...`` in each ``Pulumi.<stack>.yaml``). Both are protected:
deleting either would lose every stack's history or make its secrets unreadable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
from cnop_platform.buckets import keep_private


@dataclass(frozen=True, kw_only=True)
class StateBackendArgs:
    bucket_prefix: str = "cnop-pulumi-state-"
    """The bucket is named this plus the account ID (bucket names are global)."""
    key_alias: str = "alias/cnop-pulumi"
    """The secrets provider the stacks name: ``awskms://<alias>?region=<region>``."""
    noncurrent_version_days: int = 90
    """How long a superseded state file is kept (every ``pulumi up`` writes one)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource."""


class StateBackend(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    key_arn: pulumi.Output[str]
    key_alias: str

    def __init__(self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:StateBackend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        tags = dict(args.tags)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        key = aws.kms.Key(f"{name}-key", description="Pulumi state and stack secrets", enable_key_rotation=True,
                          deletion_window_in_days=30, tags=tags, opts=kept)
        aws.kms.Alias(f"{name}-key", name=args.key_alias, target_key_id=key.key_id, opts=child)
        bucket = aws.s3.Bucket(f"{name}-bucket", bucket=pulumi.Output.concat(args.bucket_prefix, account),
                               force_destroy=False, tags=tags, opts=kept)
        keep_private(name, bucket, child, kms_key_arn=key.arn)
        aws.s3.BucketVersioning(f"{name}-versioning", bucket=bucket.id, opts=child,
                                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                                    status="Enabled"))
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket.id, opts=child,
            rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-superseded-state", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=args.noncurrent_version_days),
                abort_incomplete_multipart_upload=aws.s3
                .BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(days_after_initiation=7))])
        self.bucket_name = bucket.bucket
        self.key_arn = key.arn
        self.key_alias = args.key_alias
        self.register_outputs({"bucket_name": self.bucket_name, "key_arn": self.key_arn})
