from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from apps.common.clock import iso_z
from apps.common.security import CurrentUser
from apps.insights.deps import InsightsDep
from apps.insights.schemas import Insight, InsightResponse

router = APIRouter(tags=["insights"])

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or revoked token"},
    429: {"description": "The analysis model is rate limited (`insights_rate_limited`)"},
    502: {"description": "The analysis model failed or gave no usable answer (`insights_model_error`)"},
    503: {"description": "The forced provider is not configured (`insights_provider_not_configured`)"},
    504: {"description": "The analysis model did not answer in time (`insights_model_timeout`)"},
}


@router.get("/insights/portfolio", responses=ERROR_RESPONSES)
async def portfolio_insights(username: CurrentUser, insights: InsightsDep) -> InsightResponse:
    insight = await insights.for_user(username)
    return InsightResponse(data=Insight(summary=insight.summary, generated_at=iso_z(insight.generated_at),
                                        model=insight.model, cached=insight.cached))
