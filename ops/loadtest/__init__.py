"""Load and security validation with Locust: profiles, runs, gates, verdicts and reports."""
