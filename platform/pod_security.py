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


NOBODY = 65534
"""An unprivileged user for a static binary that writes nothing (the exporters)."""


def chart_container_security(user_id: int | None = None) -> dict[str, object]:
    """``container_security_context`` as Helm charts take it (camelCase), run as ``user_id`` when one is given."""
    context: dict[str, object] = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                  "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}
    if user_id is not None:
        context |= {"runAsUser": user_id, "runAsGroup": user_id}
    return context
