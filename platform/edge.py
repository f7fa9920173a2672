"""Edge: the public entry on AWS: an internet-facing ALB (through the AWS Load Balancer Controller) in front of
the gateway, HTTPS only with an ACM certificate, plain HTTP redirected, IP targets, and optionally a WAF web
ACL of AWS managed rule groups with a per-client rate limit.

The ALB appends the client's address to ``X-Forwarded-For``; the gateway believes that header only from the
ALB's own subnets (``GATEWAY_TRUSTED_PROXIES``), so per-client limits key on the real client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
MANAGED_RULE_GROUPS = ("AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet",
                       "AWSManagedRulesKnownBadInputsRuleSet")
# The apps accept JSON bodies up to MAX_BODY_BYTES (64 KiB) and refuse larger ones themselves; the common rule
# set's 8 KiB body limit would block legitimate requests, so that one rule only counts.
COUNTED_RULES = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}


@dataclass(frozen=True, kw_only=True)
class EdgeArgs:
    domain: str
    """The public name of the API, e.g. ``api.example.com``."""
    namespace: pulumi.Input[str]
    """The gateway's namespace."""
    service_name: pulumi.Input[str]
    """The gateway's Service (ClusterIP: the ALB targets its pods' IPs)."""
    health_path: str
    """The path the ALB checks each target on (the apps' cheap readiness path)."""
    certificate_arn: pulumi.Input[str] | None = None
    """An existing ACM certificate for ``domain``; without it one is requested and DNS-validated."""
    hosted_zone_id: pulumi.Input[str] | None = None
    """Route 53 zone of ``domain``: validates a requested certificate and points ``domain`` at the ALB."""
    waf: bool = False
    """Put a WAF web ACL (managed rule groups and a per-client rate limit) in front of the ALB."""
    waf_rate_limit: int = 2000
    """Requests per client address per 5 minutes before WAF blocks it (the gateway's own limits are finer)."""
    idle_timeout_seconds: int = 60
    """The ALB's idle timeout; longer than the apps' keep-alive is pointless, shorter cuts slow answers."""
    controller: pulumi.Resource | None = None
    """What the Ingress waits for: the load balancer controller."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource, the ALB included."""


class Edge(pulumi.ComponentResource):
    url: pulumi.Output[str]
    """``https://<domain>``."""
    load_balancer_hostname: pulumi.Output[str]
    certificate_arn: pulumi.Output[str]

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Edge", name, None, opts)
        if args.certificate_arn is None and args.hosted_zone_id is None:
            raise ValueError("HTTPS needs a certificate: give its ARN, or the hosted zone to validate one in")
        child = pulumi.ResourceOptions(parent=self)
        certificate = (pulumi.Output.from_input(args.certificate_arn) if args.certificate_arn is not None
                       else self._certificate(name, args))
        annotations: dict[str, pulumi.Input[str]] = {
            "alb.ingress.kubernetes.io/scheme": "internet-facing",
            "alb.ingress.kubernetes.io/target-type": "ip",
            "alb.ingress.kubernetes.io/listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
            "alb.ingress.kubernetes.io/ssl-redirect": "443",
            "alb.ingress.kubernetes.io/certificate-arn": certificate,
            "alb.ingress.kubernetes.io/ssl-policy": TLS_POLICY,
            "alb.ingress.kubernetes.io/backend-protocol": "HTTP",
            "alb.ingress.kubernetes.io/healthcheck-path": args.health_path,
            "alb.ingress.kubernetes.io/load-balancer-attributes": ",".join([
                "routing.http.drop_invalid_header_fields.enabled=true",
                "routing.http.x_amzn_tls_version_and_cipher_suite.enabled=false",
                f"idle_timeout.timeout_seconds={args.idle_timeout_seconds}"]),
            # Targets leave the ALB before their pod stops (the pods' preStop outlasts this).
            "alb.ingress.kubernetes.io/target-group-attributes": "deregistration_delay.timeout_seconds=20",
            "alb.ingress.kubernetes.io/tags": ",".join(f"{k}={v}" for k, v in sorted(args.tags.items())),
        }
        if args.waf:
            annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"] = self._web_acl(name, args).arn
        ingress = k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata={"name": "gateway", "namespace": args.namespace, "annotations": annotations,
                      "labels": {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/part-of": "cnop"}},
            spec={"ingress_class_name": "alb", "rules": [{"host": args.domain, "http": {"paths": [{
                "path": "/", "path_type": "Prefix",
                "backend": {"service": {"name": args.service_name, "port": {"name": "http"}}}}]}}]},
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(
                depends_on=[args.controller] if args.controller else [])),
        )
        self.load_balancer_hostname = ingress.status.apply(_hostname)
        if args.hosted_zone_id is not None:
            aws.route53.Record(f"{name}-record", zone_id=args.hosted_zone_id, name=args.domain, type="CNAME",
                               ttl=60, records=[self.load_balancer_hostname], opts=child)
        self.certificate_arn = certificate
        self.url = pulumi.Output.from_input(f"https://{args.domain}")
        self.register_outputs({"url": self.url, "load_balancer_hostname": self.load_balancer_hostname,
                               "certificate_arn": self.certificate_arn})

    def _certificate(self, name: str, args: EdgeArgs) -> pulumi.Output[str]:
        child = pulumi.ResourceOptions(parent=self)
        certificate = aws.acm.Certificate(f"{name}-certificate", domain_name=args.domain, validation_method="DNS",
                                          key_algorithm="EC_prime256v1", tags=dict(args.tags), opts=child)
        option = certificate.domain_validation_options[0]
        record = aws.route53.Record(
            f"{name}-certificate-validation", zone_id=args.hosted_zone_id or "", name=option.resource_record_name,
            type=option.resource_record_type, records=[option.resource_record_value], ttl=60,
            allow_overwrite=True, opts=child)
        validated = aws.acm.CertificateValidation(f"{name}-certificate", certificate_arn=certificate.arn,
                                                  validation_record_fqdns=[record.fqdn], opts=child)
        return validated.certificate_arn

    def _web_acl(self, name: str, args: EdgeArgs) -> aws.wafv2.WebAcl:
        waf = aws.wafv2

        def visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
            return waf.WebAclRuleVisibilityConfigArgs(cloudwatch_metrics_enabled=True, metric_name=metric,
                                                      sampled_requests_enabled=True)

        def counted(rule: str) -> aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs:
            override = waf.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs(
                count=waf.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs())
            return waf.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs(name=rule,
                                                                                         action_to_use=override)

        rules = [waf.WebAclRuleArgs(
            name=group, priority=index, override_action=waf.WebAclRuleOverrideActionArgs(
                none=waf.WebAclRuleOverrideActionNoneArgs()),  # type: ignore[no-untyped-call]
            statement=waf.WebAclRuleStatementArgs(
                managed_rule_group_statement=waf.WebAclRuleStatementManagedRuleGroupStatementArgs(
                    name=group, vendor_name="AWS", rule_action_overrides=[
                        counted(rule) for rule in COUNTED_RULES.get(group, ())])),
            visibility_config=visibility(group)) for index, group in enumerate(MANAGED_RULE_GROUPS)]
        rules.append(waf.WebAclRuleArgs(
            name="rate-per-client", priority=len(rules),
            action=waf.WebAclRuleActionArgs(block=waf.WebAclRuleActionBlockArgs()),
            statement=waf.WebAclRuleStatementArgs(rate_based_statement=waf.WebAclRuleStatementRateBasedStatementArgs(
                limit=args.waf_rate_limit, aggregate_key_type="IP")),
            visibility_config=visibility("rate-per-client")))
        return waf.WebAcl(
            f"{name}-waf", scope="REGIONAL", rules=rules, tags=dict(args.tags),
            default_action=waf.WebAclDefaultActionArgs(allow=waf.WebAclDefaultActionAllowArgs()),
            visibility_config=waf.WebAclVisibilityConfigArgs(cloudwatch_metrics_enabled=True, metric_name=f"{name}-waf",
                                                             sampled_requests_enabled=True),
            opts=pulumi.ResourceOptions(parent=self))


def _hostname(status: k8s.networking.v1.outputs.IngressStatus | None) -> str:
    balancer = status.load_balancer if status is not None else None
    for point in (balancer.ingress or []) if balancer is not None else []:
        if point.hostname or point.ip:
            return str(point.hostname or point.ip)
    return ""
