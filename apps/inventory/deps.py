"""The inventory app's parts, built at start-up, and the dependencies its routes read them through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Response

from apps.common.asset_catalogue import Catalogue
from apps.common.service import part
from apps.inventory.quotes import Quotes


@dataclass(frozen=True)
class InventoryParts:
    catalogue: Catalogue
    quotes: Quotes
    public_max_age_seconds: int = 0

    def mark_cacheable(self, response: Response) -> None:
        if self.public_max_age_seconds > 0:
            response.headers["Cache-Control"] = f"public, max-age={self.public_max_age_seconds}"


CatalogueDep = Annotated[Catalogue, part(InventoryParts, lambda parts: parts.catalogue)]
PartsDep = Annotated[InventoryParts, part(InventoryParts, lambda parts: parts)]
QuotesDep = Annotated[Quotes, part(InventoryParts, lambda parts: parts.quotes)]
