"""The insights app's parts, built at start-up, and the dependency its route reads them through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from apps.common.service import part
from apps.insights.service import PortfolioInsights


@dataclass(frozen=True)
class InsightsParts:
    insights: PortfolioInsights


InsightsDep = Annotated[PortfolioInsights, part(InsightsParts, lambda parts: parts.insights)]
