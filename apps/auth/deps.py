from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from apps.auth.accounts import Accounts
from apps.auth.signing import TokenSigner
from apps.common.tokens import RevocationList


def _accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.context.extras["accounts"]
    return accounts


def _signer(request: Request) -> TokenSigner:
    signer: TokenSigner = request.app.state.context.extras["signer"]
    return signer


def _revocations(request: Request) -> RevocationList:
    revocations: RevocationList = request.app.state.context.revocations
    return revocations


AccountsDep = Annotated[Accounts, Depends(_accounts)]
SignerDep = Annotated[TokenSigner, Depends(_signer)]
RevocationsDep = Annotated[RevocationList, Depends(_revocations)]
