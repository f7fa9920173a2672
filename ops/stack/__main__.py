"""``python -m ops.stack up|down|restart|stop|status|logs``: the local stack behind ``make up``, ``make down``..."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from ops.stack import runner
from ops.stack.config import StackSettings
from ops.stack.logs import show_logs

log = logging.getLogger("stack")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.stack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start every component, detached; return when all are healthy")
    commands.add_parser("down", help="stop everything `up` started")
    restart = commands.add_parser("restart", help="stop one component and start it again on its port")
    restart.add_argument("component", help="aws, redis, an app (gateway, auth, order...), prometheus, alertmanager, "
                                           "redis-exporter, blackbox-exporter or alert-receiver")
    restart.add_argument("--lose-data", action="store_true",
                         help="start Redis without its data, as after a crash without persistence")
    stop = commands.add_parser("stop", help="stop one component and leave it stopped, as a crash would "
                                            "(`restart` starts it again)")
    stop.add_argument("component")
    commands.add_parser("status", help="each component's process, health and memory")
    logs = commands.add_parser("logs", help="the components' log files")
    logs.add_argument("component", nargs="?", help="one component (default: all)")
    logs.add_argument("-f", "--follow", action="store_true")
    logs.add_argument("-n", "--lines", type=int, default=20)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="stack: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = StackSettings()

    if args.command == "up":
        try:
            state = runner.up(settings)
        except runner.StackError as exc:
            log.error("%s", exc)
            return 1
        print(runner.format_status(runner.status(settings), settings))
        print(f"healthy after {state.ready_seconds:.1f}s; logs in {settings.logs_dir}")
        return 0
    if args.command == "down":
        stubborn = runner.down(settings)
        if stubborn:
            log.error("would not stop: %s", ", ".join(stubborn))
            return 1
        print("the local stack is stopped")
        return 0
    if args.command == "restart":
        try:
            component = runner.restart(settings, args.component, lose_data=args.lose_data)
        except runner.StackError as exc:
            log.error("%s", exc)
            return 1
        print(f"{component.name} restarted: pid {component.pid}, port {component.port}")
        return 0
    if args.command == "stop":
        try:
            stopped = runner.stop(settings, args.component)
        except runner.StackError as exc:
            log.error("%s", exc)
            return 1
        print(f"{stopped.name} stopped; `make restart COMPONENT={stopped.name}` starts it again")
        return 0
    if args.command == "status":
        rows = runner.status(settings)
        print(runner.format_status(rows, settings))
        return 0 if rows and all(r.running and r.healthy is not False for r in rows) else 1
    return show_logs(settings, args.component, args.lines, args.follow, sleep=time.sleep)


if __name__ == "__main__":
    raise SystemExit(main())
