"""One Helm release the way every component installs one: a pinned chart version, atomic (a failed install or
upgrade rolls back rather than leaving half a release), and a bound on how long the release may take to be ready."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

READY_SECONDS = 600


def pinned_release(resource_name: str, *, release: str, chart: str, version: str, namespace: pulumi.Input[str],
                   values: pulumi.Input[dict[str, Any]], opts: pulumi.ResourceOptions,
                   repository: str | None = None, timeout: int = READY_SECONDS) -> k8s.helm.v3.Release:
    """``chart`` at ``version`` from ``repository`` (None: ``chart`` is an OCI reference) as release ``release``."""
    return k8s.helm.v3.Release(
        resource_name, name=release, chart=chart, version=version, namespace=namespace,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=repository) if repository else None,
        values=values, atomic=True, timeout=timeout, opts=opts)
