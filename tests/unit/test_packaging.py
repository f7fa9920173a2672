"""pyproject's explicit package list (needed for the platform/ -> cnop_platform mapping) is complete."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def test_every_python_package_is_listed() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapping = {folder: name for name, folder in config["package-dir"].items()}
    found = set()
    for top in ("apps", "ops", "platform"):
        for init in (REPO / top).rglob("__init__.py"):
            parts = list(init.parent.relative_to(REPO).parts)
            parts[0] = mapping.get(parts[0], parts[0])
            found.add(".".join(parts))
    assert found == listed


def test_platform_is_importable_without_shadowing_the_standard_library() -> None:
    import platform

    import cnop_platform

    assert callable(platform.system)
    assert Path(cnop_platform.__file__).parent == REPO / "platform"
