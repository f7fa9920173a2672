"""The bounded prompt and the tidying of a model's answer: pure logic, no servers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.common.portfolio import PortfolioSnapshot
from apps.insights.aggregation import PortfolioFacts
from apps.insights.prompt import OMITTED, build_prompt, tidy_summary
from tests.unit.insights.test_aggregation import facts, holding, order


def test_prompt_states_the_figures() -> None:
    prompt = build_prompt(facts(), max_holdings=10, max_chars=4000)
    for line in ("Total value: 1927.50", "Cash: 950.00 (49.29% of total)", "Holdings (2, largest first):",
                 "- BTC: quantity 0.01, price 67750.12, value 677.50 (35.15% of total)",
                 "Recent orders (newest first, last 2):", "market_buy 0.01 BTC at 67750, total 677.50"):
        assert line in prompt
    assert OMITTED not in prompt


def test_prompt_names_at_most_max_holdings_and_sums_the_rest() -> None:
    many = tuple(holding(f"A{i:02d}", "1", str(100 + i)) for i in range(25))
    prompt = build_prompt(facts(holdings=many), max_holdings=10, max_chars=4000)
    assert sum(1 for line in prompt.splitlines() if line.startswith("- A")) == 10
    assert "- 15 smaller holdings together: value 1605.00" in prompt


@pytest.mark.parametrize("max_chars", [500, 800, 1500])
def test_prompt_never_exceeds_its_character_cap(max_chars: int) -> None:
    many = tuple(holding(f"A{i:02d}", "123.456789", str(1000 + i)) for i in range(10))
    orders = tuple(order(f"o-{i:02d}") for i in range(10))
    prompt = build_prompt(facts(holdings=many, orders=orders), max_holdings=10, max_chars=max_chars)
    assert len(prompt) <= max_chars
    assert prompt.endswith(OMITTED) and prompt.startswith("Portfolio snapshot")


def test_prompt_of_a_cash_only_portfolio() -> None:
    cash_only = PortfolioFacts(PortfolioSnapshot(Decimal("10.00"), ()), ())
    prompt = build_prompt(cash_only, max_holdings=10, max_chars=4000)
    assert "Holdings: none" in prompt and "Recent orders: none" in prompt and "(100.00% of total)" in prompt


@pytest.mark.parametrize(("raw", "tidy"), [
    ("  Mostly cash.\n\nSmall   position. ", "Mostly cash. Small position."),
    ("**Concentrated** in BTC. Cash is low.", "Concentrated in BTC. Cash is low."),
    ("One. Two. Three. Four. Five.", "One. Two. Three. Four."),
    ("Complete sentence. Cut off by the tok", "Complete sentence."),
    ("Only a fragment without end", "Only a fragment without end"),
    ("   ", ""),
    ("", ""),
])
def test_tidy_summary(raw: str, tidy: str) -> None:
    assert tidy_summary(raw) == tidy
