"""Locust scenarios, one per locustfile, on the shared base users of ``loadtests.users``.

Run them through ``make loadtest PROFILE=...`` and ``make security`` (``ops.loadtest``), which start Locust
with the options of ``loadtests.options`` and the profile of ``loadtests/profiles.toml``.
"""
