from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from apps.common.openapi import refusals, service_refusals
from apps.common.validation import ASSET_ID_PATTERN
from apps.inventory.deps import CatalogueDep, PartsDep, QuotesDep
from apps.inventory.schemas import AssetDetail, AssetEnvelope, AssetListing, AssetSummary

router = APIRouter(prefix="/inventory", tags=["inventory"], responses=service_refusals())


@router.get("/assets", responses=refusals(422))
def list_assets(
    catalogue: CatalogueDep,
    quotes: QuotesDep,
    parts: PartsDep,
    response: Response,
    active_only: bool = True,
    limit: Annotated[int, Query(ge=1, le=250)] = 50,
) -> AssetListing:
    assets = catalogue.assets()
    prices = quotes.all()
    shown = [item for item in assets if item.is_active or not active_only][:limit]
    parts.mark_cacheable(response)
    return AssetListing(
        data=[AssetSummary.of(item, prices.get(item.asset_id, item.price_usd)) for item in shown],
        total_count=len(assets),
        active_count=sum(1 for item in assets if item.is_active),
    )


@router.get("/assets/{asset_id}", responses=refusals(404, 422))
def get_asset(
    asset_id: Annotated[str, Path(pattern=ASSET_ID_PATTERN)], catalogue: CatalogueDep, quotes: QuotesDep,
    parts: PartsDep, response: Response,
) -> AssetEnvelope:
    item = catalogue.get(asset_id.upper())
    parts.mark_cacheable(response)
    return AssetEnvelope(data=AssetDetail.of(item, quotes.price(item)))
