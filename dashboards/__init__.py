"""Monitoring as code: Grafana dashboards, recording rules and alerts built from one config.

``python -m dashboards`` (``make dashboards``) writes the generated files; ``dashboards.expressions``
lists every PromQL expression for tests; the Pulumi Monitoring component reads the generated files.
"""
