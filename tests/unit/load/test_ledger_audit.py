"""The money invariants on plain snapshots: a consistent ledger passes, each kind of damage is named."""

from __future__ import annotations

from decimal import Decimal

from ops.ledger_audit import AssetRecord, CashRecord, LedgerSnapshot, OrderRef, find_problems

D = Decimal


def _consistent() -> LedgerSnapshot:
    return LedgerSnapshot(
        balances={"ada": D("900.00"), "bob": D("0.00")},
        holdings={("ada", "ETH"): D("0.03")},
        cash_records=[CashRecord("ada", D("1000.00"), "deposit", None),
                      CashRecord("ada", D("-150.00"), "order_payment", "o1"),
                      CashRecord("ada", D("50.00"), "order_sale", "o2")],
        asset_records=[AssetRecord("ada", "ETH", D("0.04"), "BUY", "o1"),
                       AssetRecord("ada", "ETH", D("0.01"), "SELL", "o2")],
        orders=[OrderRef("o1", "ada", "ETH"), OrderRef("o2", "ada", "ETH")],
    )


def test_a_consistent_ledger_has_no_problem() -> None:
    assert find_problems(_consistent()) == []


def test_a_balance_that_its_records_do_not_explain() -> None:
    snapshot = _consistent()
    snapshot.balances["ada"] = D("901.00")
    assert find_problems(snapshot) == ["ada: USD balance 901.00 != sum of its records 900.00"]


def test_negative_money_and_holdings() -> None:
    snapshot = _consistent()
    snapshot.balances["bob"] = D("-5.00")
    snapshot.cash_records.append(CashRecord("bob", D("-5.00"), "withdraw", None))
    snapshot.holdings["ada", "ETH"] = D("-0.01")
    snapshot.asset_records.append(AssetRecord("ada", "ETH", D("0.04"), "SELL", "o3"))
    snapshot.orders.append(OrderRef("o3", "ada", "ETH"))
    snapshot.cash_records.append(CashRecord("ada", D("0.00"), "order_sale", "o3"))
    problems = find_problems(snapshot)
    assert "bob: negative USD balance -5.00" in problems
    assert "ada: negative ETH holding -0.01" in problems
    assert len(problems) == 2


def test_orders_without_their_records_and_records_without_their_order() -> None:
    snapshot = _consistent()
    snapshot.orders.append(OrderRef("o9", "ada", "BTC"))
    snapshot.orders.remove(OrderRef("o2", "ada", "ETH"))
    problems = find_problems(snapshot)
    assert "order o9 of ada: 0 cash and 0 asset records (expected one of each)" in problems
    assert "record of order o2 without the order" in problems


def test_records_of_an_account_without_a_balance() -> None:
    snapshot = _consistent()
    snapshot.cash_records.append(CashRecord("ghost", D("10.00"), "deposit", None))
    assert find_problems(snapshot) == ["ghost: transaction records without a balance item"]
