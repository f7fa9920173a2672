"""Request and response pieces that several apps share."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, GetJsonSchemaHandler, PlainSerializer
from pydantic.json_schema import JsonSchemaValue
from pydantic_core.core_schema import CoreSchema

from apps.common.money import plain, usd_str
from apps.common.validation import ASSET_ID_PATTERN

PLAIN_DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
_PLAIN_DECIMAL = re.compile(PLAIN_DECIMAL_PATTERN)


def _plain_decimal_text(value: object) -> object:
    """Money and quantities as text are ASCII digits with an optional fraction: no signs, spaces,
    exponents, digit separators or digits of other scripts (a JSON number is taken as it is)."""
    if isinstance(value, str) and not _PLAIN_DECIMAL.fullmatch(value):
        raise ValueError("must be a plain decimal number of ASCII digits, such as 10 or 10.50")
    return value


class _PlainDecimalSchema:
    """Documents the text form: the string branch of the schema carries the pattern it must match."""

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        described = handler(schema)
        for branch in described.get("anyOf", []):
            if branch.get("type") == "string":
                branch["pattern"] = PLAIN_DECIMAL_PATTERN
        return described


AssetId = Annotated[str, Field(pattern=ASSET_ID_PATTERN), AfterValidator(str.upper)]
PlainDecimal = Annotated[Decimal, BeforeValidator(_plain_decimal_text), _PlainDecimalSchema]
"""A decimal as a request may send it: a JSON number, or a string of ASCII digits."""
UsdAmount = Annotated[Decimal, PlainSerializer(usd_str, return_type=str)]
DecimalString = Annotated[Decimal, PlainSerializer(plain, return_type=str)]
