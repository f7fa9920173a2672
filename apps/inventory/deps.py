from __future__ import annotations

from typing import Annotated

from apps.common.service import from_context
from apps.inventory.catalogue import Catalogue, Quotes

CatalogueDep = Annotated[Catalogue, from_context("catalogue")]
QuotesDep = Annotated[Quotes, from_context("quotes")]
