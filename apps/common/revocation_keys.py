"""The Redis keys of the revocation list: written by ``apps.common.revocations``, read there and by the
gateway's admission script (which must not pull in the DynamoDB models to know them)."""

from __future__ import annotations

REVOKED_PREFIX = "cnop:revoked:"
RESTORED_KEY = "cnop:revocations:restored"
"""Present only once every revocation in force is in Redis; its value names the server it was copied to."""


def revoked_key(jti: str) -> str:
    return f"{REVOKED_PREFIX}{jti}"
