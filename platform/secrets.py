"""Secrets: the JWT signing keys generated in the program, and the apps' secret settings as Kubernetes Secrets.

The private keys exist only in the (encrypted) state and in Secrets that only the auth app reads. Two keys may
be live at once: the first of ``signing_keys`` signs, a second is published beside it (the next key before a
rotation switches to it, the previous one after), and every app trusts both public keys. Each Secret carries
a digest of its value, which goes on the pod templates of the apps that read it (``checksum``), so a rotated
value rolls exactly those pods.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_tls as tls


@dataclass(frozen=True, kw_only=True)
class SecretsArgs:
    namespace: pulumi.Input[str]
    """Namespace of the apps."""
    redis_url: pulumi.Input[str]
    """Redis URL with its password (from the Cache)."""
    signing_keys: Sequence[str] = ("1",)
    """Generations of the JWT signing key, the signing one first; a second one is published too."""
    gemini_api_key: pulumi.Input[str] | None = None
    """Google Gemini API key from secret config; without it insights runs its offline analyst."""


@dataclass(frozen=True)
class SecretKey:
    """One key of one Kubernetes Secret: what an app's environment variable is read from."""

    secret_name: pulumi.Input[str]
    """Name of the Kubernetes Secret."""
    key: str
    """Key within it."""
    digest: pulumi.Input[str] = ""
    """SHA-256 of the value (not a secret: it reveals nothing of a high-entropy value)."""


def checksum(keys: Sequence[SecretKey]) -> pulumi.Output[str]:
    """One digest of the values behind ``keys``: what a pod template carries so that it changes with them."""
    return pulumi.Output.all(*[key.digest for key in keys]).apply(lambda digests: _digest([str(d) for d in digests]))


class Secrets(pulumi.ComponentResource):
    jwt_public_key_pem: pulumi.Output[str]
    """Every live key's public half, the signing one first (``JWT_PUBLIC_KEY`` takes several PEM blocks)."""
    jwt_private_key: SecretKey
    jwt_next_private_key: SecretKey | None
    redis_url: SecretKey
    gemini_api_key: SecretKey | None

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Secrets", name, None, opts)
        if not 1 <= len(args.signing_keys) <= 2 or len(set(args.signing_keys)) != len(args.signing_keys):
            raise ValueError(f"one or two distinct signing keys, not {list(args.signing_keys)}")
        keys = [tls.PrivateKey(f"{name}-jwt-signing-{generation}", algorithm="ECDSA", ecdsa_curve="P256",
                               opts=pulumi.ResourceOptions(parent=self)) for generation in args.signing_keys]
        self.jwt_public_key_pem = pulumi.Output.all(*[key.public_key_pem for key in keys]).apply("".join)
        self.jwt_private_key = self._secret(name, "jwt-signing", "private-key", keys[0].private_key_pem_pkcs8,
                                            args.namespace)
        self.jwt_next_private_key = None
        if len(keys) == 2:
            self.jwt_next_private_key = self._secret(name, "jwt-next", "private-key", keys[1].private_key_pem_pkcs8,
                                                     args.namespace)
        self.redis_url = self._secret(name, "redis", "url", args.redis_url, args.namespace)
        self.gemini_api_key = None
        if args.gemini_api_key is not None:
            self.gemini_api_key = self._secret(name, "gemini", "api-key", args.gemini_api_key, args.namespace)
        self.register_outputs({"jwt_public_key_pem": self.jwt_public_key_pem})

    def _secret(
        self, name: str, purpose: str, key: str, value: pulumi.Input[str], namespace: pulumi.Input[str]
    ) -> SecretKey:
        secret = k8s.core.v1.Secret(
            f"{name}-{purpose}",
            metadata={"name": f"{name}-{purpose}", "namespace": namespace,
                      "labels": {"app.kubernetes.io/part-of": "cnop"}},
            type="Opaque",
            string_data={key: pulumi.Output.secret(value)},
            opts=pulumi.ResourceOptions(parent=self),
        )
        digest = pulumi.Output.unsecret(pulumi.Output.from_input(value).apply(lambda text: _digest([text])))
        return SecretKey(secret_name=secret.metadata.name, key=key, digest=digest)


def _digest(values: list[str]) -> str:
    return hashlib.sha256("\0".join(values).encode()).hexdigest()
