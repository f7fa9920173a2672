"""``python -m ops.chaos [--scenario NAME]``: ``make chaos``.

A fresh local stack on free ports (torn down afterwards), the chaos workload, and the scenarios of
loadtests/chaos.toml (all, or the one named) injected in turn; reports under reports/<timestamp>-chaos/;
the exit code is 0 only when every verdict held.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from ops.chaos.faults import FaultError
from ops.chaos.run import ChaosOptions, run_chaos
from ops.chaos.scenarios import SCENARIOS_FILE, ScenarioError
from ops.loadtest.profiles import PROFILES_FILE, ProfileError
from ops.loadtest.target import TargetError
from ops.servers import REPO, ServerError
from ops.stack.runner import StackError


def _exit_on_sigterm(signum: int, _: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the stack's context manager, which stops every process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=None, help="one scenario of the scenarios file (default: all)")
    parser.add_argument("--reports-dir", type=Path, default=REPO / "reports")
    parser.add_argument("--profiles-file", type=Path, default=PROFILES_FILE)
    parser.add_argument("--scenarios-file", type=Path, default=SCENARIOS_FILE)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return run_chaos(ChaosOptions(args.scenario, args.reports_dir, args.profiles_file, args.scenarios_file))
    except (ScenarioError, ProfileError, TargetError, ServerError, StackError, FaultError) as exc:
        logging.getLogger("chaos").error("%s", exc)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
