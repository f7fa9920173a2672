"""The platform's rules as plain checks: ``check(resource) -> violations``.

A resource is its type, its inputs as Pulumi sends them to providers and to policy packs (wire names:
``serverSideEncryption``, ``spec.template.spec.containers``) and its ``protect`` option. ``pack.py`` wraps
each check as a ``ResourceValidationPolicy``; tests call the checks through the same policies.

Every check is total: it reads props only through ``_map``/``_list``/``_text``, so a resource of any type,
with any shape (a list where a map was expected, an unknown value, a provider's own resource that the
stacks never spell, such as pulumi-eks's ``VpcCniAddon`` whose ``tags`` is a list of maps), gets an answer
and never an exception, which a real preview would report as a failed mandatory policy.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dashboards.alerting import PAGE_RECEIVER
from dashboards.config import CONFIG, duration_seconds

Props = Mapping[str, Any]


@dataclass(frozen=True)
class Resource:
    type: str
    props: Props
    protect: bool = False


Check = Callable[[Resource], list[str]]

REQUIRED_TAGS = ("Project", "Environment", "ManagedBy")
REDIS_PORT = 6379
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
# AWS resources that take no tags (attachments, associations, aliases, inline policies, rules, settings).
UNTAGGABLE = {
    "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:kms/alias:Alias",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy", "aws:ec2/route:Route",
    "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    "aws:backup/selection:Selection", "aws:acm/certificateValidation:CertificateValidation",
    "aws:route53/record:Record", "aws:cloudwatch/eventTarget:EventTarget", "aws:sqs/queuePolicy:QueuePolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:iam/instanceProfile:InstanceProfile",
    "aws:sns/topicPolicy:TopicPolicy", "aws:sns/topicSubscription:TopicSubscription",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
}
# Data that a deletion would lose: protected in prod (``pulumi up`` refuses to delete them). Which KMS keys
# guard such data a policy cannot tell; the tables' key is protected with them (tests/unit/infra).
DATA_TYPES = {"aws:dynamodb/table:Table", "aws:backup/vault:Vault", "aws:s3/bucket:Bucket"}
ALB_CERTIFICATE = "alb.ingress.kubernetes.io/certificate-arn"
ALB_LISTEN_PORTS = "alb.ingress.kubernetes.io/listen-ports"
ALB_SSL_REDIRECT = "alb.ingress.kubernetes.io/ssl-redirect"
NLB_CERTIFICATE = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert"
NLB_TLS_PORTS = "service.beta.kubernetes.io/aws-load-balancer-ssl-ports"


def _map(value: Any) -> Props:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def tags_of(props: Props) -> dict[str, str]:
    """Tags in any of the shapes providers use: a map, a list of maps (pulumi-eks add-ons), or a list of
    ``{key, value}`` entries (AWS's own API shape); ``tagsAll`` (provider default tags) counts too."""
    found: dict[str, str] = {}
    for source in (props.get("tagsAll"), props.get("tags")):
        entries = [source] if isinstance(source, Mapping) else _list(source)
        for entry in entries:
            entry = _map(entry)
            key = entry.get("key", entry.get("Key"))
            if isinstance(key, str) and set(entry) <= {"key", "value", "Key", "Value"}:
                found[key] = _text(entry.get("value", entry.get("Value")))
            else:
                found.update({str(k): _text(v) for k, v in entry.items()})
    return found


def _environment(props: Props) -> str:
    return tags_of(props).get("Environment", "")


def _is_public(cidr: Any) -> bool:
    try:
        network = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return False  # an unknown (computed) value at preview: the resolved one is checked at update
    return network.prefixlen == 0 or not network.is_private


def _covers(rule: Props, port: int) -> bool:
    if str(rule.get("protocol", "")) in ("-1", "all"):
        return True
    low, high = rule.get("fromPort", rule.get("from_port")), rule.get("toPort", rule.get("to_port"))
    try:
        return low is not None and high is not None and int(low) <= port <= int(high)
    except (TypeError, ValueError):
        return False


def no_public_data_stores(resource: Resource) -> list[str]:
    """Redis is never reachable from public addresses; DynamoDB is never shared with everyone."""
    kind, props = resource.type, resource.props
    if kind == "aws:ec2/securityGroup:SecurityGroup":
        return [f"security group admits {cidr} to the Redis port {REDIS_PORT}"
                for rule in map(_map, _list(props.get("ingress"))) if _covers(rule, REDIS_PORT)
                for cidr in [*_list(rule.get("cidrBlocks")), *_list(rule.get("ipv6CidrBlocks"))]
                if _is_public(cidr)]
    if kind in ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "aws:ec2/securityGroupRule:SecurityGroupRule"):
        cidrs = [props.get("cidrIpv4"), props.get("cidrIpv6"), *_list(props.get("cidrBlocks"))]
        rule = {"protocol": props.get("ipProtocol", props.get("protocol")), "fromPort": props.get("fromPort"),
                "toPort": props.get("toPort")}
        if _text(props.get("type", "ingress")) == "ingress" and _covers(rule, REDIS_PORT):
            return [f"ingress rule admits {cidr} to the Redis port {REDIS_PORT}" for cidr in cidrs
                    if cidr and _is_public(cidr)]
    if kind == "aws:elasticache/replicationGroup:ReplicationGroup" and not props.get("subnetGroupName"):
        return ["a Redis replication group must live in the platform's private subnet group"]
    if kind == "aws:dynamodb/resourcePolicy:ResourcePolicy":
        policy = props.get("policy")
        try:
            document = _map(json.loads(policy) if isinstance(policy, str) else policy)
        except json.JSONDecodeError:
            return []
        if any(_shares_with_everyone(_map(s)) for s in _list(document.get("Statement"))):
            return ["a DynamoDB resource policy allows every principal"]
    return []


def _shares_with_everyone(statement: Props) -> bool:
    principal = statement.get("Principal")
    aws = _map(principal).get("AWS")
    everyone = principal == "*" or "*" in (aws if isinstance(aws, list) else [aws])
    return statement.get("Effect") == "Allow" and everyone


def encryption_on(resource: Resource) -> list[str]:
    """Tables encrypted with a customer key; Redis encrypted at rest (customer key) and in transit, behind a
    token; every KMS key rotates."""
    kind, props = resource.type, resource.props
    if kind == "aws:dynamodb/table:Table":
        encryption = _map(props.get("serverSideEncryption"))
        if not encryption.get("enabled") or not encryption.get("kmsKeyArn"):
            return ["a table must be encrypted with the platform's KMS key (serverSideEncryption)"]
    if kind == "aws:elasticache/replicationGroup:ReplicationGroup":
        missing = [key for key in ("transitEncryptionEnabled", "atRestEncryptionEnabled") if props.get(key) is not True]
        missing += [key for key in ("authToken", "kmsKeyId") if not props.get(key)]
        return [f"Redis needs {key}" for key in missing]
    if kind == "aws:kms/key:Key" and props.get("enableKeyRotation") is not True:
        return ["a KMS key must rotate (enableKeyRotation)"]
    return []


def recovery_in_prod(resource: Resource) -> list[str]:
    """Production data survives mistakes: tables keep 35 days of point-in-time recovery and refuse deletion,
    data resources are protected in the state, backups are kept 35 days or more."""
    kind, props = resource.type, resource.props
    if _environment(props) != "prod":
        return []
    violations = []
    if kind == "aws:dynamodb/table:Table":
        if not _map(props.get("pointInTimeRecovery")).get("enabled"):
            violations.append("a production table needs point-in-time recovery")
        if props.get("deletionProtectionEnabled") is not True:
            violations.append("a production table needs deletion protection")
    if kind in DATA_TYPES and not resource.protect:
        violations.append("production data must be protected (the protect resource option)")
    if kind == "aws:backup/plan:Plan":
        for rule in map(_map, _list(props.get("rules"))):
            days = _map(rule.get("lifecycle")).get("deleteAfter")
            if not isinstance(days, int | float) or days < 35:
                violations.append(f"backup rule {rule.get('ruleName')!r} keeps recovery points {days} days (< 35)")
    return violations


def required_tags(resource: Resource) -> list[str]:
    """Every taggable AWS resource carries the platform's cost and ownership tags."""
    if not resource.type.startswith(("aws:", "eks:index:")) or resource.type in UNTAGGABLE:
        return []
    tags = tags_of(resource.props)
    missing = [key for key in REQUIRED_TAGS if not tags.get(key)]
    return [f"missing required tags {missing}"] if missing else []


def _pod_spec(props: Props) -> Props:
    spec = _map(props.get("spec"))
    if props.get("kind") == "Pod":
        return spec
    if props.get("kind") == "CronJob":
        spec = _map(_map(spec.get("jobTemplate")).get("spec"))
    return _map(_map(spec.get("template")).get("spec"))


def _containers(props: Props) -> Iterator[Props]:
    pod = _pod_spec(props)
    yield from map(_map, _list(pod.get("initContainers")))
    yield from map(_map, _list(pod.get("containers")))


def _is_workload(resource: Resource) -> bool:
    return resource.type.startswith("kubernetes:") and _text(resource.props.get("kind")) in WORKLOAD_KINDS


def hardened_workloads(resource: Resource) -> list[str]:
    """Every container has probes, requests and limits, runs as non-root on a read-only root filesystem."""
    if not _is_workload(resource):
        return []
    pod_non_root = _map(_pod_spec(resource.props).get("securityContext")).get("runAsNonRoot") is True
    violations = []
    for container in _containers(resource.props):
        name = container.get("name", "?")
        context = _map(container.get("securityContext"))
        resources = _map(container.get("resources"))
        problems = [probe for probe in ("readinessProbe", "livenessProbe") if not container.get(probe)]
        problems += [f"{kind}.{what}" for kind in ("requests", "limits") for what in ("cpu", "memory")
                     if not _map(resources.get(kind)).get(what)]
        if not (pod_non_root or context.get("runAsNonRoot") is True) or context.get("runAsUser") == 0:
            problems.append("runAsNonRoot")
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append("readOnlyRootFilesystem")
        if context.get("privileged") or context.get("allowPrivilegeEscalation") is not False:
            problems.append("allowPrivilegeEscalation=false")
        violations += [f"container {name} lacks {problem}" for problem in problems]
    return violations


def _pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    return ":" in last and last.rsplit(":", 1)[1] not in ("", "latest")


def pinned_images(resource: Resource) -> list[str]:
    """Images by exact tag or digest, never ``latest``; Helm charts by exact version."""
    kind, props = resource.type, resource.props
    if _is_workload(resource):
        return [f"container {c.get('name', '?')} image {c.get('image')!r} is not pinned"
                for c in _containers(props) if not _pinned(_text(c.get("image")))]
    if kind == "docker-build:index:Image":
        return [f"image tag {tag!r} is not pinned" for tag in _list(props.get("tags")) if not _pinned(_text(tag))]
    if kind in ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart") and not props.get("version"):
        return ["a Helm chart must be pinned to a version"]
    return []


def tls_at_the_edge(resource: Resource) -> list[str]:
    """What the internet reaches speaks TLS only: a LoadBalancer Service terminates TLS with a certificate,
    an ALB Ingress listens on HTTPS with a certificate and redirects plain HTTP."""
    kind, props = resource.type, resource.props
    metadata = _map(props.get("metadata"))
    annotations = _map(metadata.get("annotations"))
    balancer = kind == "kubernetes:core/v1:Service" and _map(props.get("spec")).get("type") == "LoadBalancer"
    if balancer and not (annotations.get(NLB_CERTIFICATE) and annotations.get(NLB_TLS_PORTS)):
        return ["a LoadBalancer Service must terminate TLS (aws-load-balancer-ssl-cert and -ssl-ports)"]
    if kind == "kubernetes:networking.k8s.io/v1:Ingress":
        return _ingress_tls(annotations)
    return []


def _ingress_tls(annotations: Props) -> list[str]:
    violations = []
    if not annotations.get(ALB_CERTIFICATE):
        violations.append(f"an Ingress needs a certificate ({ALB_CERTIFICATE})")
    try:
        listeners = [_map(entry) for entry in _list(json.loads(_text(annotations.get(ALB_LISTEN_PORTS)) or "[]"))]
    except json.JSONDecodeError:
        listeners = []
    protocols = {protocol for listener in listeners for protocol in listener}
    if "HTTPS" not in protocols:
        violations.append(f"an Ingress must listen on HTTPS ({ALB_LISTEN_PORTS})")
    if "HTTP" in protocols and not annotations.get(ALB_SSL_REDIRECT):
        violations.append(f"an Ingress listening on HTTP must redirect it to HTTPS ({ALB_SSL_REDIRECT})")
    return violations


def private_cluster_api(resource: Resource) -> list[str]:
    """The Kubernetes API is never open to the whole internet."""
    kind, props = resource.type, resource.props
    if kind == "eks:index:Cluster":
        public, cidrs = props.get("endpointPublicAccess", True), props.get("publicAccessCidrs")
    elif kind == "aws:eks/cluster:Cluster":
        vpc = _map(props.get("vpcConfig"))
        public, cidrs = vpc.get("endpointPublicAccess", True), vpc.get("publicAccessCidrs")
    else:
        return []
    if public is False:
        return []
    if cidrs is None:
        return ["a public Kubernetes API endpoint needs publicAccessCidrs (the default is 0.0.0.0/0)"]
    return [f"the Kubernetes API endpoint is open to {cidr}" for cidr in _list(cidrs)
            if _text(cidr).endswith("/0")]


def redis_keeps_revocations(resource: Resource) -> list[str]:
    """Redis never evicts a key: revocations and locks live there, so memory pressure must refuse writes
    (``noeviction``) rather than forget a revoked token."""
    kind, props = resource.type, resource.props
    if kind == "aws:elasticache/replicationGroup:ReplicationGroup":
        group = _text(props.get("parameterGroupName"))
        if not props.get("parameterGroupName") or group.startswith("default."):
            return ["Redis needs the platform's parameter group (maxmemory-policy noeviction), not a default one"]
    if kind == "aws:elasticache/parameterGroup:ParameterGroup":
        policies = [_map(p).get("value") for p in _list(props.get("parameters"))
                    if _map(p).get("name") == "maxmemory-policy"]
        if policies != ["noeviction"]:
            return [f"maxmemory-policy must be noeviction, not {policies or 'the default'}"]
    return []


def _selectors(value: Any) -> Iterator[Props]:
    """Every ``selector`` map anywhere in a chaos object (a workflow's templates nest them)."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "selector":
                yield _map(inner)
            yield from _selectors(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _selectors(inner)


def _fault_templates(spec: Props) -> Iterator[Props]:
    workflow = _map(spec.get("workflow")) if spec.get("type") == "Workflow" else spec
    for template in map(_map, _list(workflow.get("templates"))):
        if _text(template.get("templateType")).endswith("Chaos"):
            yield template


def chaos_confined(resource: Resource) -> list[str]:
    """A chaos experiment names the namespaces it acts in, never the cluster's own, and every fault in a
    workflow ends by itself (a deadline): an experiment left running is an outage."""
    if not resource.type.startswith("kubernetes:chaos-mesh.org/"):
        return []
    violations = []
    for selector in _selectors(resource.props.get("spec")):
        namespaces = [_text(namespace) for namespace in _list(selector.get("namespaces"))]
        if not namespaces:
            violations.append("a chaos selector must name its namespaces")
        violations += [f"chaos must not act in {name}" for name in namespaces if name.startswith("kube-")]
    violations += [f"fault {template.get('name', '?')} has no deadline"
                   for template in _fault_templates(_map(resource.props.get("spec"))) if not template.get("deadline")]
    return violations


_DURATION = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
SLO_WINDOW_DAYS = max(duration_seconds(o.period) for o in (CONFIG.availability, CONFIG.latency)) / 86400
"""The longest window the SLO rules look back: production Prometheus keeps at least this."""


def _days(duration: str) -> float:
    unit, amount = duration[-1:], duration[:-1]
    return int(amount) * _DURATION[unit] / 86400 if unit in _DURATION and amount.isdigit() else 0.0


def monitoring_in_prod(resource: Resource) -> list[str]:
    """Production's kube-prometheus-stack keeps the SLO windows' history on a volume, and its paging route notifies
    someone (the environment is the one Prometheus stamps on every series)."""
    props = resource.props
    if not resource.type.startswith("kubernetes:helm.sh/") or props.get("chart") != "kube-prometheus-stack":
        return []
    values = _map(props.get("values"))
    spec = _map(_map(values.get("prometheus")).get("prometheusSpec"))
    if _map(spec.get("externalLabels")).get("environment") != "prod":
        return []
    violations = []
    retention = _text(spec.get("retention"))
    if _days(retention) < SLO_WINDOW_DAYS:
        violations.append(f"production Prometheus keeps {retention or 'the default'}, less than the "
                          f"{SLO_WINDOW_DAYS:g}d the SLO rules look back")
    if not _map(spec.get("storageSpec")).get("volumeClaimTemplate"):
        violations.append("production Prometheus needs a volume (storageSpec.volumeClaimTemplate)")
    config = _map(_map(values.get("alertmanager")).get("config"))
    paging = [_map(receiver) for receiver in _list(config.get("receivers"))
              if _map(receiver).get("name") == PAGE_RECEIVER]
    if not any(key.endswith("_configs") and _list(value) for receiver in paging for key, value in receiver.items()):
        violations.append("production's page receiver notifies no one")
    return violations


CHECKS: dict[str, tuple[str, Check]] = {
    "no-public-data-stores": ("Redis and DynamoDB are never reachable by the public", no_public_data_stores),
    "encryption-on": ("Data encrypted at rest with rotating customer keys, Redis also in transit", encryption_on),
    "recovery-in-prod": ("Production data: recovery, deletion protection, protect, 35-day backups", recovery_in_prod),
    "required-tags": (f"AWS resources carry the tags {', '.join(REQUIRED_TAGS)}", required_tags),
    "hardened-workloads": ("Workloads have probes, requests, limits, non-root, read-only root", hardened_workloads),
    "pinned-images": ("Images and charts pinned: exact tag or digest, never latest", pinned_images),
    "tls-at-the-edge": ("Load balancers and Ingresses speak HTTPS only", tls_at_the_edge),
    "private-cluster-api": ("The Kubernetes API endpoint is not open to 0.0.0.0/0", private_cluster_api),
    "redis-keeps-revocations": ("Redis runs with maxmemory-policy noeviction", redis_keeps_revocations),
    "monitoring-in-prod": ("Production keeps 30 days of metrics on a volume and pages someone", monitoring_in_prod),
    "chaos-confined": ("Chaos experiments name their namespaces, never kube-*, and every fault ends", chaos_confined),
}
