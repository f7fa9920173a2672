"""The pod and container security settings every workload of the platform runs with (PSA ``restricted``)."""

from __future__ import annotations

import pulumi_kubernetes as k8s


def pod_security_context(user_id: int) -> k8s.core.v1.PodSecurityContextArgsDict:
    return {
        "run_as_non_root": True,
        "run_as_user": user_id,
        "run_as_group": user_id,
        "fs_group": user_id,
        "seccomp_profile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> k8s.core.v1.SecurityContextArgsDict:
    return {
        "allow_privilege_escalation": False,
        "read_only_root_filesystem": True,
        "run_as_non_root": True,
        "capabilities": {"drop": ["ALL"]},
    }
