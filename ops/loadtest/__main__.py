"""``python -m ops.loadtest run|security``: load and security validation of the platform with Locust.

    python -m ops.loadtest run --profile smoke|load|stress|soak [--host http://127.0.0.1:8080] [--workers N]
    python -m ops.loadtest security [--host http://127.0.0.1:8080]

Without --host a fresh local stack is brought up on free ports and torn down afterwards; with it, the
stack `make up` started is used. Only 127.0.0.1 is ever targeted. Reports go to reports/<timestamp>-<name>/;
the exit code is 0 only when every gate, cross-check, invariant and verdict passed.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from ops.loadtest.loadrun import LoadOptions, run_load
from ops.loadtest.profiles import PROFILES_FILE, ProfileError
from ops.loadtest.target import TargetError, loopback_url
from ops.servers import REPO, ServerError


def _workers(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 16:
        raise argparse.ArgumentTypeError(f"between 0 and 16, not {value}")
    return value


def _host(text: str) -> str:
    try:
        return loopback_url(text)
    except TargetError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ops.loadtest", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("run", "one load profile"), ("security", "the security scenarios and verdicts")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--host", type=_host, default=None,
                             help="gateway of a running local stack (127.0.0.1 only); default: a fresh stack")
        command.add_argument("--reports-dir", type=Path, default=REPO / "reports")
        command.add_argument("--profiles-file", type=Path, default=PROFILES_FILE)
    commands.choices["run"].add_argument("--profile", default="smoke")
    commands.choices["run"].add_argument("--workers", type=_workers, default=0,
                                         help="Locust worker processes beside a master (0: one local process)")
    return parser.parse_args(argv)


def _exit_on_sigterm(signum: int, _: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the stack's context manager, which stops every process


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if args.command == "run":
            return run_load(LoadOptions(args.profile, args.host, args.workers, args.reports_dir, args.profiles_file))
        from ops.loadtest.security import SecurityOptions, run_security

        return run_security(SecurityOptions(args.host, args.reports_dir, args.profiles_file))
    except (TargetError, ServerError, ProfileError) as exc:
        logging.getLogger("loadtest").error("%s", exc)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
