"""Input rules that more than one app applies."""

from __future__ import annotations

import re

USERNAME_PATTERN = r"^[a-zA-Z0-9_]{6,30}$"
ASSET_ID_PATTERN = r"^[A-Za-z0-9]{1,10}$"
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|javascript\s*:|on[a-z]+\s*=", re.IGNORECASE)


def reject_markup(value: str) -> str:
    if _MARKUP.search(value):
        raise ValueError("must not contain markup or script")
    return value
