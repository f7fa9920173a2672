"""The building blocks of the stack config's models (``stacks/config.py``): the section base, the rule error
that names a key, and the value types, each with an error that says what was expected."""

from __future__ import annotations

import dataclasses
import re
from typing import Annotated, Any, Literal

from cnop_platform.images import check_pinned
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from apps.common.services import names


class ConfigRuleError(ValueError):
    """A rule over several values is broken; ``key`` (camelCase, relative to the model) is the one to change."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def component_default(args: type[Any], name: str) -> Any:
    """The default of field ``name`` of a component's Args, the only place it is written."""
    (found,) = (f for f in dataclasses.fields(args) if f.name == name)
    if found.default is dataclasses.MISSING:
        raise TypeError(f"{args.__name__}.{name} has no default for the stack config to fall back on")
    return found.default


def matching(pattern: str, expected: str) -> AfterValidator:
    """A string check whose error says what was expected rather than quoting the regular expression."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value!r} is not {expected}")
        return value

    return AfterValidator(check)


def _known_app(name: str) -> str:
    if name not in names():
        raise ValueError(f"{name!r} is not an app; the apps are {', '.join(names())}")
    return name


def _pinned_image(reference: str) -> str:
    """``name:tag`` with an exact tag, as the apps image must be (``check_pinned``)."""
    name, _, tag = reference.rpartition(":")
    if not name or "/" in tag:
        raise ValueError(f"{reference!r} names no tag")
    check_pinned(tag, None)
    return reference


Count = Annotated[int, Field(strict=True, gt=0)]
Flag = Annotated[bool, Field(strict=True)]
NodePort = Annotated[int, Field(strict=True, ge=30000, le=32767)]
SnapshotDays = Annotated[int, Field(strict=True, ge=0, le=35)]
ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer"]
Region = Annotated[str, matching(r"[a-z]{2}(-[a-z]+)+-\d+", "an AWS region such as us-east-1")]
Zone = Annotated[str, matching(r"[a-z]{2}(-[a-z]+)+-\d+[a-z]", "an availability zone such as us-east-1a")]
KubernetesVersion = Annotated[str, matching(r"1\.\d+", "a Kubernetes minor version such as 1.33")]
ChartVersion = Annotated[str, matching(r"\d+\.\d+\.\d+", "an exact chart version such as 78.2.1")]
EngineVersion = Annotated[str, matching(r"\d+\.(\d+|x)", "a Redis engine version such as 7.1")]
InstanceType = Annotated[str, matching(r"[a-z][a-z0-9-]*\.[a-z0-9]+", "an EC2 instance type such as t3.large")]
CacheNodeType = Annotated[str, matching(r"cache\.[a-z0-9-]+\.[a-z0-9]+", "a node type such as cache.t4g.small")]
KubernetesName = Annotated[str, matching(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", "a Kubernetes name such as cnop")]
CpuQuantity = Annotated[str, matching(r"\d+m|\d+(\.\d+)?", "a Kubernetes CPU quantity such as 250m or 2")]
MemoryQuantity = Annotated[str, matching(r"\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?",
                                          "a Kubernetes memory quantity such as 512Mi or 1Gi")]
Retention = Annotated[str, matching(r"\d+(ms|s|m|h|d|w|y)", "a Prometheus duration such as 15d")]
Url = Annotated[str, matching(r"https?://[^\s/]+(/\S*)?", "an http(s) URL")]
TablePrefix = Annotated[str, matching(r"[A-Za-z0-9_.-]+", "a DynamoDB table name prefix such as cnop-dev-")]
EnvName = Annotated[str, matching(r"[A-Z][A-Z0-9_]*", "an environment variable name")]
RoleArn = Annotated[str, matching(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+",
                                   "an IAM role ARN such as arn:aws:iam::123456789012:role/operators")]
CertificateArn = Annotated[str, matching(r"arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+",
                                          "an ACM certificate ARN")]
HostedZoneId = Annotated[str, matching(r"Z[A-Z0-9]{6,31}", "a Route 53 hosted zone ID such as Z0123456789ABC")]
DomainName = Annotated[str, matching(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
                                      "a lower-case DNS name such as api.example.com")]
Email = Annotated[str, matching(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", "an e-mail address")]
KeyGeneration = Annotated[str, matching(r"[a-z0-9][a-z0-9-]{0,30}", "a key generation name such as 2026-12")]
AwsCron = Annotated[str, matching(r"cron\(\S+ \S+ \S+ \S+ \S+ \S+\)",
                                   "an AWS cron expression such as cron(0 3 * * ? *)")]
CapacityType = Literal["on-demand", "spot"]
AmiAlias = Annotated[str, matching(r"(al2023|bottlerocket)@v\d{8}(\.\d+)?|(bottlerocket)@\d+\.\d+\.\d+",
                                    "a pinned AMI alias such as al2023@v20250807")]
AppName = Annotated[str, AfterValidator(_known_app)]
PinnedImage = Annotated[str, AfterValidator(_pinned_image)]


class Section(BaseModel):
    # validate_default: the components' defaults pass the same checks as the values a stack file gives.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True,
                              validate_default=True)



def cpu_cores(quantity: str) -> float:
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)
