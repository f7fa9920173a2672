"""PromQL for panels and rules, kept apart from layout: every function returns expressions, never panels."""
