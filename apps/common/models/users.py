"""Items of the users table: profile, USD balance, holdings, ledgers, daily totals, insights cache."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from apps.common.models.attributes import DecimalAttribute, TableModel, fixed_sort_key
from apps.common.tables import USERS


class UsersTableModel(TableModel):
    definition = USERS

    class Meta:
        table_name = USERS.logical_name


class EmailIndex(GlobalSecondaryIndex["UserItem"]):
    class Meta:
        index_name = "email-index"
        projection = KeysOnlyProjection()

    email = UnicodeAttribute(hash_key=True)


class UserItem(UsersTableModel):
    username = UnicodeAttribute(hash_key=True, attr_name="PK")
    kind = fixed_sort_key("USER")
    user_id = UnicodeAttribute(null=True)
    """Immutable (a ULID): tokens carry it, so a token never works for a later account of the same name.
    Accounts made before it existed get one at their next login."""
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    date_of_birth = UnicodeAttribute(null=True)
    marketing_emails_consent = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    email_index = EmailIndex()


class EmailClaimItem(UsersTableModel):
    """Makes email uniqueness atomic: written in the same transaction as the user that owns it."""

    claim = UnicodeAttribute(hash_key=True, attr_name="PK")
    kind = fixed_sort_key("EMAIL")
    owner = UnicodeAttribute()

    @staticmethod
    def key_for(email: str) -> str:
        return f"EMAIL#{email}"


class BalanceItem(UsersTableModel):
    username = UnicodeAttribute(hash_key=True, attr_name="PK")
    kind = fixed_sort_key("BALANCE")
    current_balance = DecimalAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class DailyTotalsItem(UsersTableModel):
    """Deposits and withdrawals of one UTC day, checked and bumped inside the money transaction."""

    username = UnicodeAttribute(hash_key=True, attr_name="PK")
    day = UnicodeAttribute(range_key=True, attr_name="SK")
    deposited = DecimalAttribute(null=True)
    withdrawn = DecimalAttribute(null=True)
    expires_at = NumberAttribute(null=True)

    @staticmethod
    def key_for(day: str) -> str:
        return f"DAILY#{day}"


class AssetBalanceItem(UsersTableModel):
    username = UnicodeAttribute(hash_key=True, attr_name="PK")
    asset_key = UnicodeAttribute(range_key=True, attr_name="SK")
    asset_id = UnicodeAttribute()
    quantity = DecimalAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    @staticmethod
    def key_for(asset_id: str) -> str:
        return f"ASSET#{asset_id}"


class BalanceTransactionItem(UsersTableModel):
    ledger = UnicodeAttribute(hash_key=True, attr_name="PK")
    transaction_id = UnicodeAttribute(range_key=True, attr_name="SK")
    username = UnicodeAttribute()
    transaction_type = UnicodeAttribute()
    amount = DecimalAttribute()
    description = UnicodeAttribute()
    reference_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="completed")
    created_at = UnicodeAttribute()

    @staticmethod
    def ledger_for(username: str) -> str:
        return f"TRANS#{username}"


class AssetTransactionItem(UsersTableModel):
    ledger = UnicodeAttribute(hash_key=True, attr_name="PK")
    transaction_id = UnicodeAttribute(range_key=True, attr_name="SK")
    username = UnicodeAttribute()
    asset_id = UnicodeAttribute()
    transaction_type = UnicodeAttribute()
    quantity = DecimalAttribute()
    price = DecimalAttribute()
    total_amount = DecimalAttribute()
    order_id = UnicodeAttribute()
    status = UnicodeAttribute(default="completed")
    created_at = UnicodeAttribute()

    @staticmethod
    def ledger_for(username: str, asset_id: str) -> str:
        return f"ASSET_TRANS#{username}#{asset_id}"


class InsightsCacheItem(UsersTableModel):
    username = UnicodeAttribute(hash_key=True, attr_name="PK")
    cache_key = UnicodeAttribute(range_key=True, attr_name="SK")
    summary = UnicodeAttribute()
    model = UnicodeAttribute()
    generated_at = UnicodeAttribute()
    expires_at = NumberAttribute()

    @staticmethod
    def key_for(portfolio_hash: str) -> str:
        return f"INSIGHTS#{portfolio_hash}"


class RevocationItem(UsersTableModel):
    """A revoked token, kept until it would have expired anyway: Redis holds the working copy, this one
    survives Redis losing its data. Partitioned by the hour the token expires, so the revocations still
    in force are a bounded set of partitions to read back."""

    bucket = UnicodeAttribute(hash_key=True, attr_name="PK")
    jti = UnicodeAttribute(range_key=True, attr_name="SK")
    username = UnicodeAttribute()
    expires_at = NumberAttribute()

    @staticmethod
    def bucket_for(expires_at: int) -> str:
        return f"REVOKED#{expires_at // 3600}"
