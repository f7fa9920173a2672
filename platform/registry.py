"""Registry: the ECR repository of the one apps image, immutable tags, scanned on push, pruned by lifecycle."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True, kw_only=True)
class RegistryArgs:
    repository_name: pulumi.Input[str]
    """ECR repository name, e.g. ``cnop-dev/apps``."""
    keep_tagged_images: int = 30
    """Newest tagged images kept; older ones expire."""
    untagged_expiry_days: int = 7
    """Untagged images (superseded builds) expire after this many days."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource."""


class Registry(pulumi.ComponentResource):
    repository_url: pulumi.Output[str]
    registry_id: pulumi.Output[str]

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Registry", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        repository = aws.ecr.Repository(
            f"{name}-apps",
            name=args.repository_name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")],
            tags=dict(args.tags),
            opts=child,
        )
        aws.ecr.LifecyclePolicy(f"{name}-apps", repository=repository.name, policy=_lifecycle(args), opts=child)
        self.repository_url = repository.repository_url
        self.registry_id = repository.registry_id
        self.register_outputs({"repository_url": self.repository_url, "registry_id": self.registry_id})


def _lifecycle(args: RegistryArgs) -> str:
    return json.dumps({"rules": [
        {"rulePriority": 1, "description": "expire superseded untagged builds",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                       "countNumber": args.untagged_expiry_days},
         "action": {"type": "expire"}},
        {"rulePriority": 2, "description": f"keep the newest {args.keep_tagged_images} tagged images",
         "selection": {"tagStatus": "tagged", "tagPatternList": ["*"], "countType": "imageCountMoreThan",
                       "countNumber": args.keep_tagged_images},
         "action": {"type": "expire"}},
    ]})
