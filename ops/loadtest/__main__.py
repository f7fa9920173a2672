"""``python -m ops.loadtest run|security``: load and security validation of the platform with Locust.

    python -m ops.loadtest run --profile smoke|load|stress|soak [--host http://127.0.0.1:8080] [--workers N]
    python -m ops.loadtest run --profile load --runs 5 --pass-at-least 4   (five fresh stacks, a table of runs)
    python -m ops.loadtest run --profile load --target dev          (Locust in the dev stack's cluster)
    python -m ops.loadtest run --profile smoke --host https://... --allow-remote-target
    python -m ops.loadtest security [--host http://127.0.0.1:8080]

Without --host a fresh local stack is brought up on free ports and torn down afterwards; with it, the
stack `make up` started is used. Only 127.0.0.1 is targeted unless told otherwise: --target runs the profile
from the stack's cluster against the stack's own gateway, --allow-remote-target lets --host name another.
Reports go to reports/<timestamp>-<name>/; the exit code is 0 only when every gate, cross-check, invariant and
verdict passed.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from ops.loadtest.cluster import ClusterOptions, run_in_cluster
from ops.loadtest.kubectl import ClusterError
from ops.loadtest.loadrun import LoadOptions, run_load
from ops.loadtest.profiles import PROFILES_FILE, ProfileError
from ops.loadtest.repeat import run_repeated
from ops.loadtest.target import LOOPBACK, TargetError, allowed_url, loopback_url
from ops.offline import STACK_NAMES
from ops.servers import REPO, ServerError


def _workers(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 16:
        raise argparse.ArgumentTypeError(f"between 0 and 16, not {value}")
    return value


def _runs(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 20:
        raise argparse.ArgumentTypeError(f"between 1 and 20, not {value}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ops.loadtest", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("run", "one load profile"), ("security", "the security scenarios and verdicts")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--host", default=None,
                             help="gateway of a running local stack (127.0.0.1); default: a fresh stack")
        command.add_argument("--reports-dir", type=Path, default=REPO / "reports")
        command.add_argument("--profiles-file", type=Path, default=PROFILES_FILE)
    commands.choices["run"].add_argument("--profile", default="smoke")
    commands.choices["run"].add_argument("--workers", type=_workers, default=0,
                                         help="Locust worker processes beside a master (0: one local process)")
    commands.choices["run"].add_argument("--runs", type=_runs, default=1,
                                         help="run the profile this many times, each on a fresh stack")
    commands.choices["run"].add_argument("--pass-at-least", type=_runs, default=None,
                                         help="with --runs: how many runs must pass (default: all)")
    commands.choices["run"].add_argument("--target", choices=STACK_NAMES, default=None,
                                         help="run in this stack's cluster, against its own gateway")
    commands.choices["run"].add_argument("--allow-remote-target", action="store_true",
                                         help="let --host name a gateway other than 127.0.0.1")
    return parser.parse_args(argv)


def _run(args: argparse.Namespace) -> int:
    required = args.pass_at_least or args.runs
    if required > args.runs:
        raise TargetError(f"--pass-at-least {required} is more than --runs {args.runs}")
    if args.target:
        if args.workers:
            raise TargetError("the cluster's worker count is its stack config's (cnop:loadtest.workers)")
        if args.runs > 1:
            raise TargetError("--runs repeats local runs; a cluster run is one Job")
        return run_in_cluster(ClusterOptions(args.profile, args.target, args.reports_dir, args.host))
    host = allowed_url(args.host, allow_remote=args.allow_remote_target) if args.host else None
    remote = host is not None and not host.startswith(f"http://{LOOPBACK}:")
    options = LoadOptions(args.profile, host, args.workers, args.reports_dir, args.profiles_file, remote)
    if args.runs > 1:
        return run_repeated(options, args.runs, required, run_load)
    return run_load(options)


def _exit_on_sigterm(signum: int, _: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the stack's context manager, which stops every process


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if args.command == "run":
            return _run(args)
        from ops.loadtest.security import SecurityOptions, run_security

        host = loopback_url(args.host) if args.host else None
        return run_security(SecurityOptions(host, args.reports_dir, args.profiles_file))
    except (TargetError, ServerError, ProfileError, ClusterError) as exc:
        logging.getLogger("loadtest").error("%s", exc)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
