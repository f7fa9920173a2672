"""``make plan STACK=...``: the stack's resource tree and outputs, from an offline run of its real program.

No Pulumi CLI, no credentials, no network: the Pulumi test engine runs ``stacks/__main__.py`` with the
stack's config and mocked cloud answers (``ops/offline_mocks.py``). It shows what the program would ask
for; what the cloud would then say (quotas, existing names, permissions) only ``make preview`` can tell.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ops.offline import SECRET, STACK_NAMES, OfflineRun, PlannedResource, run_offline

log = logging.getLogger("plan")

KEY_SETTINGS: dict[str, tuple[str, ...]] = {
    "aws:dynamodb/table:Table": ("name", "billingMode", "hashKey", "rangeKey", "globalSecondaryIndexes[].name",
                                 "ttl.attributeName", "pointInTimeRecovery.enabled", "serverSideEncryption.enabled",
                                 "deletionProtectionEnabled"),
    "aws:kms/key:Key": ("enableKeyRotation", "deletionWindowInDays"),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "engine", "engineVersion", "nodeType", "numCacheClusters", "multiAzEnabled", "automaticFailoverEnabled",
        "transitEncryptionEnabled", "atRestEncryptionEnabled", "snapshotRetentionLimit"),
    "aws:ec2/securityGroup:SecurityGroup": ("ingress[].cidrBlocks", "ingress[].securityGroups", "ingress[].fromPort"),
    "aws:elasticache/parameterGroup:ParameterGroup": ("family", "parameters"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("metricName", "threshold"),
    "aws:backup/plan:Plan": ("rules[].ruleName", "rules[].schedule", "rules[].lifecycle.deleteAfter"),
    "aws:eks/addon:Addon": ("addonName",),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": ("namespace", "serviceAccount"),
    "aws:eks/accessEntry:AccessEntry": ("type",),
    "aws:acm/certificate:Certificate": ("domainName", "validationMethod"),
    "aws:route53/record:Record": ("name", "type"),
    "aws:wafv2/webAcl:WebAcl": ("scope", "rules[].name"),
    "aws:ec2/vpc:Vpc": ("cidrBlock",),
    "aws:ec2/subnet:Subnet": ("availabilityZone", "cidrBlock"),
    "aws:ecr/repository:Repository": ("name", "imageTagMutability", "imageScanningConfiguration.scanOnPush"),
    "eks:index:Cluster": ("name", "version", "authenticationMode", "accessEntries.operators.principalArn",
                          "accessEntries.ci.principalArn", "createOidcProvider",
                          "vpcCniOptions.enableNetworkPolicy", "endpointPublicAccess", "publicAccessCidrs"),
    "eks:index:ManagedNodeGroup": ("instanceTypes", "scalingConfig.minSize", "scalingConfig.maxSize"),
    "docker-build:index:Image": ("tags", "platforms", "push"),
    "kubernetes:apps/v1:Deployment": ("metadata.namespace", "spec.replicas",
                                      "spec.template.spec.containers[].image",
                                      "spec.template.spec.containers[].resources.limits"),
    "kubernetes:core/v1:Service": ("spec.type", "spec.ports[].port"),
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": ("spec.minReplicas", "spec.maxReplicas"),
    "kubernetes:helm.sh/v3:Release": (
        "chart", "version", "namespace", "values.prometheus.prometheusSpec.retention",
        "values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage",
        "values.prometheus.prometheusSpec.enableFeatures", "values.prometheus.prometheusSpec.externalLabels",
        "values.alertmanager.alertmanagerSpec.secrets", "values.alertmanager.config.receivers[].name",
        "values.alertmanager.config.receivers[].pagerduty_configs[].routing_key_file",
        "values.alertmanager.config.receivers[].slack_configs[].api_url_file",
        "values.alertmanager.config.receivers[].webhook_configs[].url_file",
        "values.tempo.retention", "values.persistence.size", "values.loki.storage.type",
        "values.loki.limits_config.retention_period", "values.singleBinary.persistence.size",
        "values.controller.type"),
    "kubernetes:core/v1:Secret": ("metadata.name", "metadata.namespace"),
    "kubernetes:core/v1:Namespace": ("metadata.labels.pod-security.kubernetes.io/enforce",),
    "kubernetes:core/v1:ConfigMap": ("metadata.name",),
    "kubernetes:networking.k8s.io/v1:Ingress": (
        "spec.rules[].host", "metadata.annotations.alb.ingress.kubernetes.io/listen-ports",
        "metadata.annotations.alb.ingress.kubernetes.io/ssl-redirect"),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": ("metadata.name", "spec.policyTypes"),
    "kubernetes:storage.k8s.io/v1:StorageClass": ("provisioner", "parameters"),
    "kubernetes:karpenter.sh/v1:NodePool": ("spec.limits",),
    "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass": ("spec.amiSelectorTerms[].alias",),
    "pulumi:providers:kubernetes": ("context",),
}


def pick(value: Any, path: str) -> Any:
    """``a.b[].c`` from nested inputs; a key may itself contain dots when it is a label."""
    if not path:
        return value
    if isinstance(value, list):
        return [pick(item, path) for item in value]
    if not isinstance(value, dict):
        return None
    if path in value:
        return value[path]
    head, _, rest = path.partition(".")
    key = head.removesuffix("[]")
    if key not in value:
        for known in sorted(value, key=len, reverse=True):  # labels such as pod-security.kubernetes.io/enforce
            if path.startswith(known + "."):
                return pick(value[known], path[len(known) + 1:])
        return None
    return pick(value[key], rest)


def _nothing(found: Any) -> bool:
    """None, or a list of nothing (a path through lists whose items lack the key)."""
    return found is None or (isinstance(found, list) and all(_nothing(item) for item in found))


def settings(resource: PlannedResource) -> str:
    shown = []
    for path in KEY_SETTINGS.get(resource.type, ()):
        found = pick(resource.inputs, path)
        if not _nothing(found):
            shown.append(f"{path.replace('[]', '')}={json.dumps(found, separators=(',', ':'))}")
    return "  " + " ".join(shown) if shown else ""


def tree_lines(run: OfflineRun) -> Iterator[str]:
    children: dict[str, list[PlannedResource]] = defaultdict(list)
    urns = {r.urn for r in run.resources}
    for resource in run.resources:
        children[resource.parent if resource.parent in urns else ""].append(resource)

    def walk(parent: str, depth: int) -> Iterator[str]:
        for resource in sorted(children[parent], key=lambda r: (r.type, r.name)):
            marker = "+" if resource.custom else "#"
            yield f"{'  ' * depth}{marker} {resource.type}  {resource.name}{settings(resource)}"
            yield from walk(resource.urn, depth + 1)

    yield from walk("", 1)


def render(run: OfflineRun, seconds: float) -> str:
    counts = run.counts()
    lines = [
        f"OFFLINE PLAN of stack {run.stack!r}: Pulumi test engine with mocked cloud answers; nothing was "
        "contacted and nothing will change. `make preview` asks the real cloud.",
        f"{counts['resources']} resources ({counts['custom']} cloud/cluster resources, "
        f"{counts['components']} components; # component, + resource), planned in {seconds:.1f}s",
        *([f"Secrets the stack file names but does not hold (offline placeholders here; set each with `pulumi "
           f"config set --secret <key> <value> --stack {run.stack}` before `make deploy`): "
           + ", ".join(run.unset_secrets)] if run.unset_secrets else []),
        "",
        *tree_lines(run),
        "",
        "Outputs:",
    ]
    for name in sorted(run.outputs):
        value = SECRET if name in run.secret_outputs else run.outputs[name]
        lines.append(f"  {name}: {json.dumps(value) if not isinstance(value, str) else value}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("stack", choices=STACK_NAMES)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="plan: %(message)s")
    started = time.perf_counter()
    try:
        run = run_offline(args.stack)
    except Exception as exc:  # the program's own error (bad config, a component's check) is the message
        log.error("the %s program failed offline: %s: %s", args.stack, type(exc).__name__, exc)
        return 1
    print(render(run, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
