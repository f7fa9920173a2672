"""``make lock``: the hash-locked requirements, generated from ``pyproject.toml`` with uv.

    requirements/runtime.lock    the apps' dependencies ([project] dependencies): what the image installs
    requirements/dev.lock        those and the dev, locust and loadtest extras: what ``make setup`` installs
    requirements/loadtest.lock   the apps' dependencies and the locust extra: what the load image installs
    requirements/scanners.lock   checkov (requirements/scanners.in), in its own environment (``make scan``)

Each pins every package, transitive ones included, to one version and the hashes of its files, for every
platform (``--universal``), so ``pip install --require-hashes`` gets the same bytes everywhere. Regenerate after
changing a pin in ``pyproject.toml``; ``tests/unit/infra/test_supply_chain.py`` fails on a stale lock.
"""

from __future__ import annotations

import argparse
import logging
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCKS = REPO / "requirements"
PYTHON_VERSION = "3.11"  # the lowest of requires-python: what the image runs
EXTRAS = ("dev", "locust", "loadtest")
LOAD_IMAGE_EXTRAS = ("locust",)

log = logging.getLogger("lock")


def targets() -> dict[str, list[str]]:
    """Lock file -> uv's source arguments."""
    return {
        "runtime.lock": [str(REPO / "pyproject.toml")],
        "dev.lock": [str(REPO / "pyproject.toml"), *(arg for extra in EXTRAS for arg in ("--extra", extra))],
        "loadtest.lock": [str(REPO / "pyproject.toml"),
                          *(arg for extra in LOAD_IMAGE_EXTRAS for arg in ("--extra", extra))],
        "scanners.lock": [str(LOCKS / "scanners.in")],
    }


def compile_lock(name: str, sources: list[str]) -> None:
    uv = Path(sys.executable).parent / "uv"
    command = [str(uv), "pip", "compile", *sources, "--universal", "--python-version", PYTHON_VERSION,
               "--generate-hashes", "--custom-compile-command", "make lock", "--quiet", "-o", str(LOCKS / name)]
    subprocess.run(command, check=True, cwd=REPO)


def pins(text: str) -> dict[str, str]:
    """``name -> version`` of every ``name==version`` line (names normalised as PEP 503 says)."""
    return {normalise(name): version for name, version in
            re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", text, re.MULTILINE)}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(extras: tuple[str, ...] = ()) -> dict[str, str]:
    """The pins ``pyproject.toml`` itself writes: its dependencies and the named extras'."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = [*project["dependencies"], *(line for extra in extras for line in project["optional-dependencies"][extra])]
    return pins("\n".join(lines))


def stale(lock: str, extras: tuple[str, ...]) -> dict[str, tuple[str, str | None]]:
    """The declared pins the lock does not hold at the same version: ``name -> (declared, locked)``."""
    path = LOCKS / lock
    locked = pins(path.read_text()) if path.is_file() else {}
    return {name: (version, locked.get(name)) for name, version in declared(extras).items()
            if locked.get(name) != version}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="lock: %(message)s")
    for name, sources in targets().items():
        compile_lock(name, sources)
        log.info("wrote requirements/%s (%d packages)", name, len(pins((LOCKS / name).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
