"""Request and response pieces that several apps share."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, PlainSerializer

from apps.common.money import plain, usd_str
from apps.common.validation import ASSET_ID_PATTERN

AssetId = Annotated[str, Field(pattern=ASSET_ID_PATTERN), AfterValidator(str.upper)]
UsdAmount = Annotated[Decimal, PlainSerializer(usd_str, return_type=str)]
DecimalString = Annotated[Decimal, PlainSerializer(plain, return_type=str)]
