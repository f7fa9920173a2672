"""Who writes the analysis: one interface, a rule-based offline analyst, and the choice between providers."""

from __future__ import annotations

from typing import Protocol

from apps.common.money import plain, usd_str
from apps.insights.aggregation import PortfolioFacts
from apps.insights.gemini import GeminiAnalyst
from apps.insights.settings import InsightsSettings


class Analyst(Protocol):
    provider: str
    """The metrics label: a fixed name per implementation."""
    model: str
    """What the response's ``model`` says produced the text."""

    async def analyse(self, facts: PortfolioFacts) -> str:
        """Two to four sentences about a non-empty portfolio; raises ``ModelFailure`` subclasses."""
        ...

    async def aclose(self) -> None: ...


def choose_analyst(settings: InsightsSettings) -> Analyst | None:
    """The configured analyst; None when the forced provider lacks its configuration."""
    if settings.provider == "offline":
        return OfflineAnalyst()
    if settings.gemini_configured:
        return GeminiAnalyst.from_settings(settings)
    return None if settings.provider == "gemini" else OfflineAnalyst()


class OfflineAnalyst:
    """Deterministic rules over concentration, cash share and recent orders: the same portfolio, the same text."""

    provider = "offline"
    model = "offline-rules-v1"

    async def analyse(self, facts: PortfolioFacts) -> str:
        return rule_based_summary(facts)

    async def aclose(self) -> None:
        return None


def rule_based_summary(facts: PortfolioFacts) -> str:
    """Two to four sentences: allocation or concentration and cash share, activity, unpriced holdings."""
    sentences = [_allocation(facts)] if not facts.holdings else [_concentration(facts), _cash_share(facts)]
    sentences.append(_activity(facts))
    unpriced = sum(1 for h in facts.holdings if h.price is None)
    if unpriced:
        sentences.append("1 holding has no current price and counts as zero in these figures." if unpriced == 1
                         else f"{unpriced} holdings have no current price and count as zero in these figures.")
    return " ".join(sentences)


def _allocation(facts: PortfolioFacts) -> str:
    return (f"Your portfolio is all cash: {usd_str(facts.usd_balance)} USD and no crypto holdings yet, "
            "so it does not move with the market.")


def _concentration(facts: PortfolioFacts) -> str:
    top = facts.holdings[0]
    share = usd_str(facts.percentage(top))
    total = usd_str(facts.total_value)
    count = len(facts.holdings)
    if count == 1:
        return (f"Your only holding is {top.asset_id}, worth {usd_str(top.market_value)} USD or {share}% of "
                f"your {total} USD portfolio, so its price drives your results.")
    if facts.percentage(top) >= 50:
        return (f"{top.asset_id} dominates your {total} USD portfolio at {share}% of its value, a concentrated "
                f"position next to {count - 1} other {'asset' if count == 2 else 'assets'}.")
    return (f"Your {total} USD portfolio is spread over {count} assets; the largest, {top.asset_id}, "
            f"is {share}% of it.")


def _cash_share(facts: PortfolioFacts) -> str:
    share = facts.cash_percentage
    amount = f"{usd_str(share)}% of the total ({usd_str(facts.usd_balance)} USD)"
    if share >= 50:
        return f"Cash is {amount}, so most of your money is not exposed to crypto prices."
    if share < 10:
        return f"Cash is only {amount}, which leaves little buffer for new purchases."
    return f"Cash is {amount}, a moderate buffer next to your holdings."


def _activity(facts: PortfolioFacts) -> str:
    orders = facts.recent_orders
    if not orders:
        return "You have not placed any orders yet."
    latest = orders[0]
    what = (f"a {latest.order_type.replace('_', ' ')} of {plain(latest.quantity)} {latest.asset_id} at "
            f"{plain(latest.price)} USD")
    if len(orders) == 1:
        return f"Your only recent order was {what}."
    buys = sum(1 for order in orders if order.is_buy)
    return (f"Of your last {len(orders)} orders, {buys} {'was a buy' if buys == 1 else 'were buys'} and "
            f"{len(orders) - buys} {'was a sell' if len(orders) - buys == 1 else 'were sells'}; the most "
            f"recent was {what}.")
