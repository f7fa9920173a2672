"""Accounts: registration, password checks and profile changes, each write one transaction."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pynamodb.connection import Connection
from pynamodb.exceptions import UpdateError

from apps.auth.schemas import ProfileUpdate, RegisterRequest
from apps.common.clock import now_iso
from apps.common.errors import Conflict, NotAuthenticated, NotFound
from apps.common.ids import time_ordered_id
from apps.common.models import BalanceItem, EmailClaimItem, UserItem
from apps.common.money import ZERO
from apps.common.transactions import LabelledTransaction, TransactionRefused

LOGIN_FAILED = "Invalid username or password"


class UsernameTaken(Conflict):
    code = "username_taken"


class EmailTaken(Conflict):
    code = "email_taken"


class ProfileChanged(Conflict):
    code = "profile_changed"


class Accounts:
    def __init__(self, connection: Connection, hasher: PasswordHasher, hashes_at_once: int = 1):
        self.connection = connection
        self.hasher = hasher
        self._hashing = threading.BoundedSemaphore(hashes_at_once)
        self._dummy_hash = hasher.hash("timing-equaliser-Aa1!")

    def _hash(self, password: str) -> str:
        with self._hashing:
            return self.hasher.hash(password)

    def _verify(self, password_hash: str, password: str) -> None:
        with self._hashing:
            self.hasher.verify(password_hash, password)

    def register(self, request: RegisterRequest) -> UserItem:
        if UserItem.find(request.username) is not None:
            raise UsernameTaken("Username already exists")
        if self._email_owner(request.email) is not None:
            raise EmailTaken("Email already registered")
        stamp = now_iso()
        user = UserItem(
            request.username,
            user_id=time_ordered_id(),
            email=request.email,
            password_hash=self._hash(request.password),
            first_name=request.first_name,
            last_name=request.last_name,
            phone=request.phone,
            date_of_birth=request.date_of_birth.isoformat() if request.date_of_birth else None,
            marketing_emails_consent=request.marketing_emails_consent,
            created_at=stamp,
            updated_at=stamp,
        )
        tx = LabelledTransaction()
        tx.put("user", user, condition=UserItem.username.does_not_exist())
        tx.put("email", EmailClaimItem(EmailClaimItem.key_for(request.email), owner=request.username),
               condition=EmailClaimItem.claim.does_not_exist())
        tx.put("balance", BalanceItem(request.username, current_balance=ZERO, created_at=stamp, updated_at=stamp),
               condition=BalanceItem.username.does_not_exist())
        try:
            tx.commit(self.connection)
        except TransactionRefused as refused:
            if "email" in refused.labels and "user" not in refused.labels:
                raise EmailTaken("Email already registered") from None
            raise UsernameTaken("Username already exists") from None
        return user

    def authenticate(self, username: str, password: str) -> UserItem:
        """The same answer, and about the same time, for an unknown user and a wrong password."""
        user = UserItem.find(username)
        try:
            self._verify(user.password_hash if user else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            raise NotAuthenticated(LOGIN_FAILED, code="invalid_credentials") from None
        if user is None:
            raise NotAuthenticated(LOGIN_FAILED, code="invalid_credentials")
        return user if user.user_id else self._with_user_id(user)

    def _with_user_id(self, user: UserItem) -> UserItem:
        """An account made before users had ids gets one, once: concurrent logins agree on the first."""
        try:
            user.update(actions=[UserItem.user_id.set(time_ordered_id())],
                        condition=UserItem.user_id.does_not_exist())
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            user.refresh(consistent_read=True)
        return user

    def profile(self, username: str) -> UserItem:
        user = UserItem.find(username, consistent=True)
        if user is None:
            raise NotFound("User not found", code="user_not_found")
        return user

    def update_profile(self, username: str, changes: ProfileUpdate) -> UserItem:
        user = self.profile(username)
        fields = changes.model_dump(exclude_none=True)
        if "date_of_birth" in fields:
            fields["date_of_birth"] = fields["date_of_birth"].isoformat()
        new_email = fields.get("email")
        if new_email == user.email:
            new_email = None
        if new_email is not None and self._email_owner(new_email) not in (None, username):
            raise EmailTaken("Email already registered")
        fields["updated_at"] = now_iso()
        tx = LabelledTransaction()
        # Conditional on the email read above: of concurrent email changes only one commits, so no claim
        # is ever left behind for an address the user no longer has.
        tx.update("user", user, [getattr(UserItem, name).set(value) for name, value in fields.items()],
                  condition=UserItem.username.exists() & (UserItem.email == user.email))
        if new_email is not None:
            tx.put("email", EmailClaimItem(EmailClaimItem.key_for(new_email), owner=username),
                   condition=EmailClaimItem.claim.does_not_exist())
            tx.delete("old_email", EmailClaimItem(EmailClaimItem.key_for(user.email)),
                      condition=EmailClaimItem.owner == username)
        try:
            tx.commit(self.connection)
        except TransactionRefused as refused:
            if "email" in refused.labels:
                raise EmailTaken("Email already registered") from None
            raise ProfileChanged("The profile changed during this update, please retry") from None
        return self.profile(username)

    def _email_owner(self, email: str) -> str | None:
        for hit in UserItem.email_index.query(email, limit=1):
            return str(hit.username)
        claim = EmailClaimItem.find(EmailClaimItem.key_for(email), "EMAIL", consistent=True)
        return claim.owner if claim else None
