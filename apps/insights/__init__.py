"""The insights app: an AI (or offline rule-based) analysis of the caller's portfolio."""
