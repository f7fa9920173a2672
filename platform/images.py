"""Images: the one apps image, built from the root Dockerfile and pushed to ECR, or taken pinned from config.

Every app runs the same image; the Deployment's command picks the app. A reference is always pinned: a
build yields ``repo@sha256:...``; without a Docker engine the config names an exact tag or a digest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
LOAD_TAG = "{0}-loadtest"
"""The load image's tag beside the apps image's (same repository)."""
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


class UnpinnedImageError(ValueError):
    """An image reference that could change under a running Deployment (``latest``, no tag)."""


@dataclass(frozen=True, kw_only=True)
class ImagesArgs:
    repository: pulumi.Input[str]
    """Where the image lives: the ECR repository URL, or a local name loaded into Kind."""
    tag: str
    """Exact version tag, never ``latest``."""
    digest: str | None = None
    """``sha256:...`` of a pushed image; when set the reference uses it instead of the tag."""
    build: bool = False
    """Build and push with Docker here (needs a Docker engine and ``registry_id``)."""
    registry_id: pulumi.Input[str] | None = None
    """ECR registry (account) ID, for push credentials."""
    context_dir: str = ".."
    """Build context: the repository root (relative to the stack folder)."""
    platform: str = "linux/amd64"
    """Target platform of the nodes."""
    load_image: bool = False
    """Also the load generator's image (the Dockerfile's ``loadtest`` target), tagged ``<tag>-loadtest``."""
    load_digest: str | None = None
    """``sha256:...`` of a pushed load image, where ``digest`` pins the apps image without a build."""


class Images(pulumi.ComponentResource):
    ref: pulumi.Output[str]
    """The pinned image reference every Deployment uses."""
    load_ref: pulumi.Output[str] | None
    """The load image's pinned reference, where ``load_image`` asks for it."""

    def __init__(self, name: str, args: ImagesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Images", name, None, opts)
        check_pinned(args.tag, args.digest)
        self.ref = self._reference(name, args, "apps", args.tag, args.digest)
        self.load_ref = None
        if args.load_image:
            if args.digest and not args.build and not args.load_digest:
                raise UnpinnedImageError("the apps image is pinned by digest: pin the load image by digest too")
            self.load_ref = self._reference(name, args, "loadtest", LOAD_TAG.format(args.tag), args.load_digest)
        self.register_outputs({"ref": self.ref, "load_ref": self.load_ref})

    def _reference(self, name: str, args: ImagesArgs, target: str, tag: str, digest: str | None
                   ) -> pulumi.Output[str]:
        check_pinned(tag, digest)
        if args.build:
            return self._build(f"{name}-{target}", args, target, tag)
        if digest:
            return pulumi.Output.format("{0}@{1}", args.repository, digest)
        return pulumi.Output.format("{0}:{1}", args.repository, tag)

    def _build(self, resource_name: str, args: ImagesArgs, target: str, tag: str) -> pulumi.Output[str]:
        if args.registry_id is None:
            raise ValueError("building the image needs an ECR registry to push to")
        token = aws.ecr.get_authorization_token_output(registry_id=args.registry_id,
                                                       opts=pulumi.InvokeOutputOptions(parent=self))
        image = docker_build.Image(
            resource_name,
            context=docker_build.BuildContextArgs(location=args.context_dir),
            dockerfile=docker_build.DockerfileArgs(location=f"{args.context_dir}/Dockerfile"),
            target=target,
            platforms=[docker_build.Platform(args.platform)],
            tags=[pulumi.Output.format("{0}:{1}", args.repository, tag)],
            push=True,
            registries=[docker_build.RegistryArgs(address=args.repository, username=token.user_name,
                                                  password=token.password)],
            opts=pulumi.ResourceOptions(parent=self),
        )
        return image.ref


def check_pinned(tag: str, digest: str | None) -> None:
    if digest is not None and not DIGEST.match(digest):
        raise UnpinnedImageError(f"image digest {digest!r} is not sha256:<64 hex>")
    if not TAG.match(tag) or tag == "latest":
        raise UnpinnedImageError(f"image tag {tag!r} is not an exact version tag")
