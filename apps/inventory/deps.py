"""The inventory app's parts, built at start-up, and the dependencies its routes read them through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from apps.common.service import part
from apps.inventory.catalogue import Catalogue, Quotes


@dataclass(frozen=True)
class InventoryParts:
    catalogue: Catalogue
    quotes: Quotes


CatalogueDep = Annotated[Catalogue, part(InventoryParts, lambda parts: parts.catalogue)]
QuotesDep = Annotated[Quotes, part(InventoryParts, lambda parts: parts.quotes)]
