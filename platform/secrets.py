"""Secrets: the JWT signing key pair generated in the program, and the apps' secret settings as Kubernetes Secrets.

The private key exists only in the (encrypted) state and in one Secret that only the auth app mounts.
"""

from __future__ import annotations

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
    gemini_api_key: pulumi.Input[str] | None = None
    """Google Gemini API key from secret config; without it insights runs its offline analyst."""


@dataclass(frozen=True)
class SecretKey:
    """One key of one Kubernetes Secret: what an app's environment variable is read from."""

    secret_name: pulumi.Input[str]
    """Name of the Kubernetes Secret."""
    key: str
    """Key within it."""


class Secrets(pulumi.ComponentResource):
    jwt_public_key_pem: pulumi.Output[str]
    jwt_private_key: SecretKey
    redis_url: SecretKey
    gemini_api_key: SecretKey | None

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Secrets", name, None, opts)
        signing_key = tls.PrivateKey(f"{name}-jwt-signing", algorithm="ECDSA", ecdsa_curve="P256",
                                     opts=pulumi.ResourceOptions(parent=self))
        self.jwt_public_key_pem = signing_key.public_key_pem
        self.jwt_private_key = self._secret(name, "jwt-signing", "private-key",
                                            signing_key.private_key_pem_pkcs8, args.namespace)
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
        return SecretKey(secret_name=secret.metadata.name, key=key)
