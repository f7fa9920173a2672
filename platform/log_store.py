"""LogStore: Grafana Loki (single binary, Helm) keeping the pods' log lines for Grafana.

Its chunks and index live on the pod's volume (``filesystem``) or, on EKS, in an S3 bucket of the stack's
(private, encrypted, TLS only, objects expired a day after the retention), which Loki reaches with a Pod
Identity role allowed that bucket only. Retention is enforced by Loki's compactor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from cnop_platform.buckets import keep_private
from cnop_platform.helm import pinned_release
from cnop_platform.pod_identity import PodIdentity, pod_role

FULLNAME = "loki"
HTTP_PORT = 3100
SERVICE_ACCOUNT = "loki"
SCHEMA_FROM = "2026-01-01"
"""The first day of the index schema below (tsdb, v13): a later schema change adds a period after it."""


def push_url(namespace: str) -> str:
    """Where log shippers push (Loki's push API)."""
    return f"{query_url(namespace)}/loki/api/v1/push"


def query_url(namespace: str) -> str:
    """Loki's HTTP API, for Grafana's datasource."""
    return f"http://{FULLNAME}.{namespace}.svc.cluster.local:{HTTP_PORT}"


@dataclass(frozen=True, kw_only=True)
class LogStoreArgs:
    namespace: pulumi.Input[str]
    """The monitoring namespace."""
    chart_version: str = "6.49.0"
    """Pinned ``loki`` chart version (Loki 3.6)."""
    chart_repository: str = "https://grafana.github.io/helm-charts"
    """Helm repository of the chart."""
    retention: str = "744h"
    """How long log lines are kept (31 days: one SLO window and a day)."""
    storage_size: str | None = None
    """The single binary's volume (its chunks and index with ``filesystem``, its write-ahead log and caches with
    a bucket); None keeps them in the pod (lost with it: Kind)."""
    storage_class: str = "gp3"
    """The volume's StorageClass."""
    bucket: bool = False
    """Chunks and index in an S3 bucket (needs ``identity``) rather than on the volume."""
    identity: PodIdentity | None = None
    """The cluster Loki's bucket role trusts (EKS)."""
    protect: bool = False
    """Pulumi's ``protect`` on the bucket (production's logs)."""
    region: str = "us-east-1"
    """The bucket's region."""
    resources: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: {
        "requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}})
    """Loki's requests and limits."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource."""


class LogStore(pulumi.ComponentResource):
    release: k8s.helm.v3.Release
    bucket_name: pulumi.Output[str] | None
    """The chunks' bucket, when there is one."""

    def __init__(self, name: str, args: LogStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:LogStore", name, None, opts)
        depends: list[pulumi.Resource] = []
        storage: dict[str, object] = {"type": "filesystem"}
        self.bucket_name = None
        if args.bucket:
            if args.identity is None:
                raise ValueError("Loki's bucket is reached through Pod Identity: EKS only")
            bucket = self._bucket(name, args)
            self.bucket_name = bucket.bucket
            policy = bucket.arn.apply(bucket_policy)
            depends.append(pod_role(name, args.identity, namespace=args.namespace, service_account=SERVICE_ACCOUNT,
                                    policy=policy, parent=self).ready)
            storage = {"type": "s3", "s3": {"region": args.region},
                       "bucketNames": {"chunks": bucket.bucket, "ruler": bucket.bucket, "admin": bucket.bucket}}
        self.release = pinned_release(
            f"{name}-release", release=FULLNAME, chart="loki", version=args.chart_version, namespace=args.namespace,
            repository=args.chart_repository,
            values=values(args, storage), opts=pulumi.ResourceOptions(parent=self, depends_on=depends))
        self.register_outputs({"bucket_name": self.bucket_name})

    def _bucket(self, name: str, args: LogStoreArgs) -> aws.s3.Bucket:
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        bucket = aws.s3.Bucket(f"{name}-chunks", force_destroy=not args.protect, tags=tags,
                               opts=pulumi.ResourceOptions(parent=self, protect=args.protect))
        keep_private(name, bucket, child)
        days = hours(args.retention) // 24 + 1  # Loki's compactor deletes first; this catches what it leaves
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket.id, opts=child,
            rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-past-retention", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
                abort_incomplete_multipart_upload=aws.s3
                .BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(days_after_initiation=1))])
        return bucket


def hours(duration: str) -> int:
    """``744h`` -> 744."""
    return int(duration.removesuffix("h"))


def bucket_policy(bucket_arn: str) -> str:
    """Loki's role: its bucket's objects, and listing that bucket; nothing else."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
         "Resource": f"{bucket_arn}/*"},
        {"Sid": "List", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": bucket_arn},
    ]})


def values(args: LogStoreArgs, storage: Mapping[str, object]) -> dict[str, object]:
    store = str(storage["type"])
    persistence: dict[str, object] = {"enabled": args.storage_size is not None}
    if args.storage_size is not None:
        persistence |= {"size": args.storage_size, "storageClass": args.storage_class}
    off = {"replicas": 0}
    return {
        "fullnameOverride": FULLNAME,
        "deploymentMode": "SingleBinary",
        "loki": {
            "auth_enabled": False,  # one tenant: the platform
            "commonConfig": {"replication_factor": 1},
            "storage": dict(storage),
            "schemaConfig": {"configs": [{"from": SCHEMA_FROM, "store": "tsdb", "object_store": store,
                                          "schema": "v13", "index": {"prefix": "loki_index_", "period": "24h"}}]},
            "limits_config": {"retention_period": args.retention, "allow_structured_metadata": True},
            "compactor": {"retention_enabled": True, "delete_request_store": store},
            "analytics": {"reporting_enabled": False},
        },
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        "singleBinary": {"replicas": 1, "persistence": persistence,
                         "resources": {kind: dict(amounts) for kind, amounts in args.resources.items()}},
        # The single binary does everything: no scalable targets, caches, gateway, canary or test pod.
        "read": off, "write": off, "backend": off,
        "chunksCache": {"enabled": False}, "resultsCache": {"enabled": False},
        "gateway": {"enabled": False}, "lokiCanary": {"enabled": False}, "test": {"enabled": False},
        "minio": {"enabled": False},
    }
