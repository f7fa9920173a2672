"""The bounded prompt sent to a language model, and the tidying of what comes back.

Only numbers, validated asset ids and order types enter the prompt: nothing a user typed as free text.
"""

from __future__ import annotations

import re

from apps.common.money import ZERO, plain, usd_str
from apps.insights.aggregation import PortfolioFacts

SYSTEM_INSTRUCTION = (
    "You are the portfolio analyst of a crypto trading app. From the portfolio snapshot you are given, write "
    "a plain-text analysis of 2 to 4 short sentences covering concentration, the share of cash and recent "
    "trading activity. Use only the figures given, in USD. No headings, lists, markdown, greetings or "
    "disclaimers, no price predictions and no personal financial advice."
)
OMITTED = "(further lines left out)"
MAX_SENTENCES = 4
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def build_prompt(facts: PortfolioFacts, max_holdings: int, max_chars: int) -> str:
    """The portfolio as short lines, the largest holdings first, cut to ``max_chars`` on a line boundary."""
    lines = [
        "Portfolio snapshot, priced now (USD):",
        f"Total value: {usd_str(facts.total_value)}",
        f"Cash: {usd_str(facts.usd_balance)} ({usd_str(facts.cash_percentage)}% of total)",
        *_holding_lines(facts, max_holdings),
        *_order_lines(facts),
    ]
    return _fit(lines, max_chars)


def _holding_lines(facts: PortfolioFacts, max_holdings: int) -> list[str]:
    if not facts.holdings:
        return ["Holdings: none"]
    lines = [f"Holdings ({len(facts.holdings)}, largest first):"]
    for holding in facts.holdings[:max_holdings]:
        price = plain(holding.price) if holding.price is not None else "unknown"
        lines.append(f"- {holding.asset_id}: quantity {plain(holding.quantity)}, price {price}, "
                     f"value {usd_str(holding.market_value)} ({usd_str(facts.percentage(holding))}% of total)")
    rest = facts.holdings[max_holdings:]
    if rest:
        value = sum((h.market_value for h in rest), ZERO)
        lines.append(f"- {len(rest)} smaller holdings together: value {usd_str(value)}")
    return lines


def _order_lines(facts: PortfolioFacts) -> list[str]:
    if not facts.recent_orders:
        return ["Recent orders: none"]
    lines = [f"Recent orders (newest first, last {len(facts.recent_orders)}):"]
    lines += [f"- {o.created_at} {o.order_type} {plain(o.quantity)} {o.asset_id} at {plain(o.price)}, "
              f"total {usd_str(o.total_amount)}" for o in facts.recent_orders]
    return lines


def _fit(lines: list[str], max_chars: int) -> str:
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + len(OMITTED) + 2 > max_chars:
            kept.append(OMITTED)
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept)


def tidy_summary(text: str) -> str:
    """One paragraph of at most four sentences; a sentence cut off by the output-token cap is dropped."""
    flat = " ".join(text.replace("**", "").split())
    sentences = [s for s in _SENTENCE_BREAK.split(flat) if s]
    if len(sentences) > 1 and sentences[-1][-1] not in ".!?":
        sentences.pop()
    return " ".join(sentences[:MAX_SENTENCES])
