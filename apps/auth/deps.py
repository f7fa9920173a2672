from __future__ import annotations

from typing import Annotated

from apps.auth.accounts import Accounts
from apps.auth.signing import TokenSigner
from apps.common.service import from_context

AccountsDep = Annotated[Accounts, from_context("accounts")]
SignerDep = Annotated[TokenSigner, from_context("signer")]
