"""The stack config is read strictly: typos, impossible combinations and unpinned images fail loudly."""

from __future__ import annotations

from typing import Any

import pytest
from cnop_platform.images import UnpinnedImageError, check_pinned

from ops.offline import run_offline
from stacks.config import ClusterConfig, ConfigError, parse

pytestmark = pytest.mark.unit


def test_unknown_keys_are_errors_not_defaults() -> None:
    with pytest.raises(ConfigError, match=r"unknown keys \['nodeCout'\]"):
        parse(ClusterConfig, "cluster", {"kind": "eks", "nodeCout": 3})


def test_lists_become_tuples_and_camel_case_maps_to_fields() -> None:
    cluster = parse(ClusterConfig, "cluster", {"kind": "eks", "apiAllowedCidrs": ["10.0.0.0/8"], "nodeCount": 3})
    assert cluster.api_allowed_cidrs == ("10.0.0.0/8",) and cluster.node_count == 3


@pytest.mark.parametrize(("stack", "overrides", "message"), [
    ("localstack", {"cnop:cache": {"kind": "elasticache"}}, "Kind cluster has no VPC"),
    ("localstack", {"cnop:images": {"repository": "cnop-apps", "tag": "0.1.0", "build": True}}, "images.build"),
    ("dev", {"cnop:network": {"availabilityZones": ["us-east-1a"]}}, "at least two zones"),
    ("dev", {"cnop:network": {"cidrBlock": "10.0.0.0/24", "availabilityZones": ["a", "b"]}}, "too small"),
    ("dev", {"cnop:environment": "staging"}, "not one of"),
    ("dev", {"cnop:images": {"tag": "latest", "build": False}}, "not an exact version tag"),
    ("prod", {"cnop:apps": {"minReplicas": 5, "maxReplicas": 2}}, "minReplicas exceeds"),
    ("prod", {"cnop:apps": {"env": {"gateway": {"cors": "x"}}}}, "not an environment variable name"),
])
def test_bad_configs_fail_the_program_with_the_key_named(stack: str, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception, match=message):
        run_offline(stack, overrides)


def test_a_secret_gemini_key_reaches_only_insights() -> None:
    run = run_offline("dev", {"cnop:geminiApiKey": {"secure": "AAABAEncrypted"}})
    (secret,) = [s for s in run.of_type("kubernetes:core/v1:Secret") if s.name == "secrets-gemini"]
    assert secret.secret_inputs["stringData"] == {"api-key": "offline-placeholder-for-cnop:geminiApiKey"}
    readers = {d.name for d in run.of_type("kubernetes:apps/v1:Deployment")
               if "GOOGLE_GEMINI_API_KEY" in str(d.inputs)}
    assert readers == {"insights-deployment"}


@pytest.mark.parametrize(("tag", "digest"), [("latest", None), ("", None), ("1.0", "sha256:abc"), ("a b", None)])
def test_unpinned_image_references_are_refused(tag: str, digest: str | None) -> None:
    with pytest.raises(UnpinnedImageError):
        check_pinned(tag, digest)
