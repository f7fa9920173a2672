"""Data that must survive: protected tables and key, AWS Backup on prod, Redis that never evicts behind the
cluster's security group with its own key and a memory alarm; secrets whose rotation rolls the pods that read
them, and two JWT signing keys live at once."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from apps.auth.settings import AuthSettings
from apps.auth.signing import TokenSigner
from apps.common.security import key_set_from_settings
from apps.common.services import SERVICES
from apps.common.settings import PlatformSettings
from apps.common.tables import TABLES
from apps.common.tokens import TokenVerifier
from ops.offline import OfflineRun, PlannedResource, run_offline

TABLE = "aws:dynamodb/table:Table"
CHECKSUM = "cnop.io/secrets-checksum"


def one(run: OfflineRun, type_token: str, name: str | None = None) -> PlannedResource:
    (found,) = [r for r in run.of_type(type_token) if name is None or r.name == name]
    return found


def test_prod_tables_and_their_key_are_protected_and_retained(runs: dict[str, OfflineRun]) -> None:
    for stack, expected in (("prod", True), ("dev", False), ("localstack", False)):
        data = [*runs[stack].of_type(TABLE), one(runs[stack], "aws:kms/key:Key", "database-key")]
        assert len(data) == len(TABLES) + 1
        assert {(r.protect, r.retain_on_delete) for r in data} == {(expected, expected)}, stack


def test_prod_backs_up_every_table_daily_for_35_days(runs: dict[str, OfflineRun]) -> None:
    prod = runs["prod"]
    (rule,) = one(prod, "aws:backup/plan:Plan").inputs["rules"]
    assert (rule["schedule"], rule["lifecycle"]["deleteAfter"]) == ("cron(0 3 * * ? *)", 35)
    selection = one(prod, "aws:backup/selection:Selection").inputs
    assert sorted(selection["resources"]) == sorted(
        f"arn:aws:dynamodb:us-east-1:123456789012:table/{t.physical_name('cnop-prod-')}" for t in TABLES)
    vault = one(prod, "aws:backup/vault:Vault")
    assert vault.protect and vault.inputs["kmsKeyArn"].startswith("arn:aws:kms:")
    assert not runs["dev"].of_type("aws:backup/plan:Plan")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_redis_never_evicts_admits_the_cluster_only_uses_its_own_key_and_alarms_on_memory(
    stack: str, runs: dict[str, OfflineRun]
) -> None:
    run = runs[stack]
    group = one(run, "aws:elasticache/replicationGroup:ReplicationGroup").inputs
    params = one(run, "aws:elasticache/parameterGroup:ParameterGroup")
    assert group["parameterGroupName"] == params.name
    assert params.inputs["parameters"] == [{"name": "maxmemory-policy", "value": "noeviction"}]
    key = one(run, "aws:kms/key:Key", "cache-key")  # its own, not the tables' (the mock's ARN names the key)
    assert group["kmsKeyId"] == f"arn:aws:kms:us-east-1:123456789012:key/{_sha(key.name)[:36]}"
    (ingress,) = one(run, "aws:ec2/securityGroup:SecurityGroup", "cache-sg").inputs["ingress"]
    (eks,) = run.of_type("eks:index:Cluster")
    assert ingress["securityGroups"] == [f"sg-{_sha(eks.name)[:17]}"]  # the cluster's security group
    assert "cidrBlocks" not in ingress
    alarms = run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == group["numCacheClusters"]
    topic = one(run, "aws:sns/topic:Topic")
    for alarm in alarms:
        assert alarm.inputs["metricName"] == "DatabaseMemoryUsagePercentage"
        assert alarm.inputs["alarmActions"] == [f"arn:aws:sns:us-east-1:123456789012:{topic.name}"]
    assert topic.inputs["kmsMasterKeyId"]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _containers(run: OfflineRun) -> dict[str, dict[str, Any]]:
    return {d.name.removesuffix("-deployment"): d.secret_inputs["spec"]["template"]
            for d in run.of_type("kubernetes:apps/v1:Deployment") if d.name.endswith("-deployment")}


def _digest(*values: str) -> str:
    return hashlib.sha256("\0".join(values).encode()).hexdigest()


def test_each_pod_template_carries_a_digest_of_exactly_the_secrets_it_reads(run: OfflineRun) -> None:
    """A rotated value changes the digest on exactly the templates of the apps that read it: they roll."""
    values = {s.inputs["metadata"]["name"]: next(iter(s.secret_inputs["stringData"].values()))
              for s in run.of_type("kubernetes:core/v1:Secret") if s.name.startswith("secrets-")}
    for app, template in _containers(run).items():
        (container,) = template["spec"]["containers"]
        read = [e["valueFrom"]["secretKeyRef"]["name"] for e in sorted(container["env"], key=lambda e: e["name"])
                if "valueFrom" in e]
        expected = _digest(*(_digest(values[name]) for name in read))
        assert template["metadata"]["annotations"] == {CHECKSUM: expected}, app
    checksums = {app: t["metadata"]["annotations"][CHECKSUM] for app, t in _containers(run).items()}
    assert checksums["auth"] != checksums["order"] == checksums["gateway"]  # auth alone reads the signing key


@pytest.fixture(scope="module")
def rotating() -> OfflineRun:
    """dev while a rotation is under way: generation 2 signs, generation 1 is still published."""
    return run_offline("dev", {"cnop:secrets": {"signingKeys": ["2", "1"]}})


def test_during_a_rotation_tokens_of_both_keys_verify_everywhere(rotating: OfflineRun,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    keys = {k.name.removeprefix("secrets-jwt-signing-"): k for k in rotating.of_type("tls:index/privateKey:PrivateKey")}
    assert set(keys) == {"1", "2"}
    apps = _containers(rotating)
    (auth,) = apps["auth"]["spec"]["containers"]
    secret_refs = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in auth["env"] if "valueFrom" in e}
    assert secret_refs["AUTH_JWT_PRIVATE_KEY"] == "secrets-jwt-signing"
    assert secret_refs["AUTH_JWT_NEXT_PRIVATE_KEY"] == "secrets-jwt-next"
    pems = {s.inputs["metadata"]["name"]: s.secret_inputs["stringData"]["private-key"]
            for s in rotating.of_type("kubernetes:core/v1:Secret") if "jwt" in s.name}
    with monkeypatch.context() as pod:
        for variable in auth["env"]:
            pod.setenv(variable["name"], variable.get("value") or pems.get(secret_refs.get(variable["name"], ""), "x"))
        signer = TokenSigner.from_settings(AuthSettings())
    assert len(signer.jwks()["keys"]) == 2
    old_key = load_pem_private_key(pems["secrets-jwt-next"].encode(), password=None)
    now = int(time.time())
    claims = {"sub": "alice_1", "uid": "01J0ALICE", "iat": now, "exp": now + 600, "jti": "x", "iss": "cnop-auth",
              "aud": "cnop-api"}
    from_old_key = jwt.encode(claims, old_key, algorithm="ES256",  # type: ignore[arg-type]
                              headers={"kid": signer.jwks()["keys"][1]["kid"]})
    from_new_key = signer.issue("bob_1", "01J0BOB")
    for app in (entry.name for entry in SERVICES):
        (container,) = apps[app]["spec"]["containers"]
        public_pem = next(e["value"] for e in container["env"] if e["name"] == "JWT_PUBLIC_KEY")
        assert public_pem.count("BEGIN PUBLIC KEY") == 2
        settings = PlatformSettings(environment="dev", jwt_public_key=public_pem)
        verifier = TokenVerifier(key_set_from_settings(settings), "cnop-auth", "cnop-api", 86400)
        assert verifier.decode(from_old_key).username == "alice_1", app
        assert verifier.decode(from_new_key).username == "bob_1", app
