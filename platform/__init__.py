"""Pulumi components of the platform, imported as ``cnop_platform``.

A top-level package named ``platform`` would shadow Python's standard-library module of that name (and
break every library that imports it), so pyproject.toml maps this folder to the name ``cnop_platform``.
"""
