"""What every S3 bucket of the platform gets: owner-enforced (no ACLs), no public access of any kind, encrypted at
rest (with the given KMS key, or S3's own keys), and a policy refusing any request not made over TLS."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws


def keep_private(name: str, bucket: aws.s3.Bucket, opts: pulumi.ResourceOptions,
                 kms_key_arn: pulumi.Input[str] | None = None) -> None:
    aws.s3.BucketOwnershipControls(f"{name}-ownership", bucket=bucket.id, opts=opts,
                                   rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"))
    aws.s3.BucketPublicAccessBlock(f"{name}-private", bucket=bucket.id, block_public_acls=True,
                                   block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
                                   opts=opts)
    by_default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
        sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn) if kms_key_arn is not None else (
        aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="AES256"))
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption", bucket=bucket.id, opts=opts,
        rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            bucket_key_enabled=True if kms_key_arn is not None else None,
            apply_server_side_encryption_by_default=by_default)])
    aws.s3.BucketPolicy(f"{name}-tls-only", bucket=bucket.id, opts=opts, policy=bucket.arn.apply(tls_only))


def tls_only(bucket_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
