from __future__ import annotations

from pydantic import BaseModel, Field


class Insight(BaseModel):
    summary: str = Field(description="A 2-4 sentence analysis of the caller's portfolio")
    generated_at: str = Field(description="When the analysis was written (ISO-8601 UTC, Z suffix)")
    model: str = Field(description="What wrote it: a Gemini model name, the offline analyst, or 'none'")
    cached: bool = Field(description="True when the analysis was reused from the cache")


class InsightResponse(BaseModel):
    data: Insight
