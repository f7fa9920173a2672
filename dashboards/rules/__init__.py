"""Recording rules and alerts, rendered to ``recording.yml`` and ``alerts.yml`` beside this package."""
