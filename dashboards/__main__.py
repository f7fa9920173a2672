"""``make dashboards``: python -m dashboards [--check]

Writes dashboards/generated/<uid>.json, dashboards/rules/{recording,alerts}.yml and the provisioning files.
With --check, writes nothing and exits 1 when any of them is out of date (what CI runs).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from dashboards.generate import stale_files, write_files

log = logging.getLogger("dashboards")
REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when a generated file is out of date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.check:
        stale = stale_files()
        for path in stale:
            log.error("out of date: %s (run `make dashboards`)", path.relative_to(REPO))
        return 1 if stale else 0
    touched = write_files()
    for path in touched:
        log.info("wrote %s", path.relative_to(REPO))
    log.info("%d file(s) changed", len(touched))
    return 0


if __name__ == "__main__":
    sys.exit(main())
