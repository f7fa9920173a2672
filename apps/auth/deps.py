"""The auth app's parts, built at start-up, and the dependencies its routes read them through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from apps.auth.accounts import Accounts
from apps.auth.signing import TokenSigner
from apps.common.service import part


@dataclass(frozen=True)
class AuthParts:
    accounts: Accounts
    signer: TokenSigner


AccountsDep = Annotated[Accounts, part(AuthParts, lambda parts: parts.accounts)]
SignerDep = Annotated[TokenSigner, part(AuthParts, lambda parts: parts.signer)]
