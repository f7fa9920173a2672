from __future__ import annotations

from typing import Annotated

from apps.common.service import from_context
from apps.insights.service import PortfolioInsights

InsightsDep = Annotated[PortfolioInsights, from_context("insights")]
