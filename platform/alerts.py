"""Alerts: the SNS topic CloudWatch alarms notify (Redis memory...), encrypted with a key CloudWatch may use,
and the operators' e-mail subscriptions (each confirmed by its recipient)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True, kw_only=True)
class AlertsArgs:
    emails: Sequence[str] = ()
    """Who is told: one e-mail subscription each."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource."""


class Alerts(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AlertsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Alerts", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        key = aws.kms.Key(f"{name}-key", description=f"{name}: alarm notifications", enable_key_rotation=True,
                          policy=account.apply(_key_policy), tags=tags, opts=child)
        topic = aws.sns.Topic(f"{name}-topic", kms_master_key_id=key.id, tags=tags, opts=child)
        for index, email in enumerate(args.emails):
            aws.sns.TopicSubscription(f"{name}-email-{index}", topic=topic.arn, protocol="email", endpoint=email,
                                      opts=child)
        self.topic_arn = topic.arn
        self.register_outputs({"topic_arn": self.topic_arn})


def _key_policy(account: str) -> str:
    """The account administers the key; CloudWatch may encrypt the messages it publishes to the topic."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudWatchAlarms", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"},
    ]})
