"""pyproject's explicit package list (needed for the platform/ -> cnop_platform mapping) is complete,
and the platform/ folder never shadows the standard library's ``platform`` module."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from ops.servers import REPO


def test_every_python_package_is_listed() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {"cnop_platform"}
    for top in ("apps", "dashboards", "loadtests", "ops", "platform_policy", "stacks"):
        for init in (REPO / top).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(REPO).parts))
    assert found == set(config["packages"])
    assert config["package-dir"] == {"cnop_platform": "platform"}


def test_platform_folder_is_not_a_regular_package() -> None:
    assert not (REPO / "platform" / "__init__.py").exists()


def test_standard_library_platform_wins_when_run_from_the_repository_root() -> None:
    probe = "import platform, uuid; print(platform.system())"
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "Linux"
