"""What the cloud would answer, for an offline run of the stack program under Pulumi's test engine.

Each resource's outputs are its inputs plus the few computed values the program reads (ARNs, endpoints,
a kubeconfig, a load balancer's address), all deterministic and plainly fake (account 123456789012).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

import pulumi
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ACCOUNT = "123456789012"
Computed = Callable[[str, dict[str, Any], str], dict[str, Any]]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _arn(service: str, region: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


def _private_key(_: str, __: dict[str, Any], ___: str) -> dict[str, Any]:
    """A real P-256 key pair, so what the apps would load really loads."""
    key = ec.generate_private_key(ec.SECP256R1())
    pkcs8 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"privateKeyPemPkcs8": pkcs8, "privateKeyPem": pkcs8, "publicKeyPem": public}


def _eks_cluster(name: str, _: dict[str, Any], region: str) -> dict[str, Any]:
    issuer = f"oidc.eks.{region}.amazonaws.com/id/{_digest(name)[:32].upper()}"
    kubeconfig = {"apiVersion": "v1", "kind": "Config", "clusters": [{"name": name, "cluster": {
        "server": f"https://{_digest(name)[:32].upper()}.gr7.{region}.eks.amazonaws.com"}}]}
    return {"kubeconfig": kubeconfig, "kubeconfigJson": json.dumps(kubeconfig), "oidcIssuer": issuer,
            "oidcProviderUrl": f"https://{issuer}", "oidcProviderArn": _arn("iam", "", f"oidc-provider/{issuer}"),
            "clusterSecurityGroupId": f"sg-{_digest(name)[:17]}", "nodeSecurityGroupId": f"sg-{_digest(name)[1:18]}"}


def _service(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    if (inputs.get("spec") or {}).get("type") != "LoadBalancer":
        return {}
    hostname = f"{_digest(name)[:32]}-{_digest(name)[32:40]}.elb.{region}.amazonaws.com"
    return {"status": {"loadBalancer": {"ingress": [{"hostname": hostname}]}}}


def _ingress(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    """An ALB's address, as the load balancer controller writes it into the Ingress's status."""
    hostname = f"k8s-{name[:20]}-{_digest(name)[:10]}-{_digest(name)[10:20]}.{region}.elb.amazonaws.com"
    return {"status": {"loadBalancer": {"ingress": [{"hostname": hostname}]}}}


def _certificate(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    domain = str(inputs["domainName"])
    return {"arn": _arn("acm", region, f"certificate/{_uuid(name)}"), "domainValidationOptions": [{
        "domainName": domain, "resourceRecordName": f"_{_digest(name)[:32]}.{domain}.",
        "resourceRecordType": "CNAME", "resourceRecordValue": f"_{_digest(domain)[:32]}.acm-validations.aws."}]}


def _uuid(name: str) -> str:
    text = _digest(name)
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:32]}"


def _image(name: str, inputs: dict[str, Any], _: str) -> dict[str, Any]:
    tag = str((inputs.get("tags") or [f"{name}:0"])[0])
    repository = tag.rsplit(":", 1)[0]
    digest = f"sha256:{_digest(tag)}"  # each image its own, the apps' and the load generator's
    return {"digest": digest, "ref": f"{repository}@{digest}"}


COMPUTED: dict[str, Computed] = {
    "aws:kms/key:Key": lambda n, i, r: {"arn": _arn("kms", r, f"key/{_digest(n)[:36]}"), "keyId": _digest(n)[:36]},
    "aws:dynamodb/table:Table": lambda n, i, r: {"arn": _arn("dynamodb", r, f"table/{i['name']}")},
    "aws:iam/role:Role": lambda n, i, r: {"arn": _arn("iam", "", f"role/{n}"), "name": n},
    "aws:ecr/repository:Repository": lambda n, i, r: {
        "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{r}.amazonaws.com/{i['name']}", "registryId": ACCOUNT},
    "aws:elasticache/replicationGroup:ReplicationGroup": lambda n, i, r: {
        "primaryEndpointAddress": f"master.{n}.{_digest(n)[:6]}.use1.cache.amazonaws.com"},
    "aws:elasticache/subnetGroup:SubnetGroup": lambda n, i, r: {"name": n},
    "random:index/randomPassword:RandomPassword": lambda n, i, r: {"result": _digest(n)[: int(i["length"])]},
    "tls:index/privateKey:PrivateKey": _private_key,
    "eks:index:Cluster": _eks_cluster,
    "kubernetes:networking.k8s.io/v1:Ingress": _ingress,
    "aws:acm/certificate:Certificate": _certificate,
    "aws:acm/certificateValidation:CertificateValidation": lambda n, i, r: {"certificateArn": i["certificateArn"]},
    "aws:route53/record:Record": lambda n, i, r: {"fqdn": str(i["name"]).rstrip(".")},
    "aws:sqs/queue:Queue": lambda n, i, r: {"arn": _arn("sqs", r, n), "name": n,
                                            "url": f"https://sqs.{r}.amazonaws.com/{ACCOUNT}/{n}"},
    "aws:sns/topic:Topic": lambda n, i, r: {"arn": _arn("sns", r, n), "name": n},
    "aws:wafv2/webAcl:WebAcl": lambda n, i, r: {"arn": _arn("wafv2", r, f"regional/webacl/{n}/{_uuid(n)}")},
    "aws:backup/vault:Vault": lambda n, i, r: {"arn": _arn("backup", r, f"backup-vault:{n}"), "name": n},
    "aws:elasticache/parameterGroup:ParameterGroup": lambda n, i, r: {"name": n},
    "kubernetes:core/v1:Service": _service,
    "docker-build:index:Image": _image,
}

CALLS: dict[str, dict[str, Any]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": {
        "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/offline", "userId": "OFFLINE", "id": ACCOUNT},
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
        "userName": "AWS", "password": "offline-registry-password", "authorizationToken": "offline",
        "proxyEndpoint": f"https://{ACCOUNT}.dkr.ecr.amazonaws.com", "expiresAt": "2099-01-01T00:00:00Z",
        "id": "offline"},
}


class PlanMocks(pulumi.runtime.Mocks):
    """Echoes inputs as outputs and adds the computed values above.

    Registrations run on several threads at once; ``seen.inputs`` holds what this thread last registered,
    for the monitor that records the plan.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self.seen = threading.local()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.seen.inputs = dict(args.inputs)
        computed = COMPUTED.get(args.typ)
        state = {**args.inputs, **(computed(args.name, args.inputs, self.region) if computed else {})}
        return (f"{args.name}-id" if args.custom else None), state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token not in CALLS:
            raise KeyError(f"the offline plan has no answer for {args.token}")
        return CALLS[args.token], []
