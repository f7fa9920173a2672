from __future__ import annotations

from fastapi import APIRouter

from apps.common.clock import iso_z
from apps.common.openapi import Responses, refusal, retry_after, service_refusals
from apps.common.security import CurrentUser
from apps.insights.deps import InsightsDep
from apps.insights.schemas import Insight, InsightResponse

router = APIRouter(tags=["insights"], responses=service_refusals(401))

MODEL_REFUSALS: Responses = {
    429: refusal("The analysis model is rate limited (`insights_rate_limited`)",
                 headers={"Retry-After": retry_after(required=False)}),
    502: refusal("The analysis model failed or gave no usable answer (`insights_model_error`)"),
    503: refusal("A data store is unavailable (with Retry-After), or the forced provider is not configured "
                 "(`insights_provider_not_configured`)", headers={"Retry-After": retry_after(required=False)}),
    504: refusal("The analysis model did not answer in time (`insights_model_timeout`)"),
}


@router.get("/insights/portfolio", responses=MODEL_REFUSALS)
async def portfolio_insights(username: CurrentUser, insights: InsightsDep) -> InsightResponse:
    insight = await insights.for_user(username)
    return InsightResponse(data=Insight(summary=insight.summary, generated_at=iso_z(insight.generated_at),
                                        model=insight.model, cached=insight.cached))
