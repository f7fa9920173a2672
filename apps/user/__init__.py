"""The user app: USD balance, deposits and withdrawals, transaction history, holdings, portfolio."""
