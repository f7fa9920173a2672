"""``make bench``: latency and throughput of the money-moving writes, the gateway's overhead and what tracing
costs, on a local stack of real processes.

    python -m ops.bench [--requests N] [--concurrency C] [--warmup W] [--users U]

Starts DynamoDB Local, redis-server, every app and the gateway on free loopback ports, and a second, traced
gateway in front of traced copies of the apps it measures (exporting to an OTLP receiver in this process), runs
the scenarios, stops everything, and writes ``reports/bench-<UTC timestamp>/{results.json,summary.md}``.
The exit code says whether the bench ran, not whether the target was met: it is a measurement.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import FrameType

from apps.common.models import bind_models, dynamodb_connection
from apps.common.redis_client import make_redis
from ops.bench.fixtures import PreparationError, prepare
from ops.bench.probes import default_probes, run_probe
from ops.bench.report import BenchReport, Machine, Target, load_average, to_markdown, write_report
from ops.bench.runner import run_in_turns, run_scenario, warm_up
from ops.bench.scenarios import (
    TRACED_PATHS,
    ScenarioOptions,
    default_scenarios,
    gateway_comparison,
    tracing_comparison,
)
from ops.bench.stack import TracedPath, running_stack
from ops.otlp_receiver import running_receiver
from ops.servers import REPO, ServerError

log = logging.getLogger("bench")

TRACING_TURNS = 10
"""Untraced and traced take turns this many times, each a tenth of the requests (ratios that hold on a busy
machine)."""


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, not {value}")
        return value

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ops.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=_bounded(1, 20_000), default=300,
                        help="measured requests per scenario and per probe (default: 300)")
    parser.add_argument("--concurrency", type=_bounded(1, 256), default=8,
                        help="concurrent clients in the throughput runs (default: 8)")
    parser.add_argument("--warmup", type=_bounded(0, 2_000), default=100,
                        help="unrecorded requests per scenario and probe, sent before measuring (default: 100)")
    parser.add_argument("--users", type=_bounded(1, 256), default=None,
                        help="users the concurrent runs spread over (default: one per client)")
    parser.add_argument("--target-ms", type=float, default=15.0,
                        help="the market buy's server-side p50 goal in ms (default: 15, from the issue)")
    parser.add_argument("--reports-dir", type=Path, default=REPO / "reports")
    return parser.parse_args(argv)


def run_bench(args: argparse.Namespace, directory: Path, started: datetime, machine: Machine) -> BenchReport:
    options = ScenarioOptions(requests=args.requests, concurrency=args.concurrency)
    with (
        running_receiver() as receiver,
        running_stack(directory / "logs", table_prefix="bench-",
                      traced=TracedPath(receiver.url, tuple(TRACED_PATHS.values()))) as stack,
    ):
        bind_models(stack.settings)
        redis = make_redis(stack.settings)
        try:
            fixtures = prepare(stack.urls, redis, args.users or args.concurrency, funding=Decimal("5000"),
                               asset_id="BENCH", price=Decimal("100"))
            scenarios = default_scenarios(stack.urls, fixtures, options) + gateway_comparison(
                stack.urls, fixtures, options)
            tracing_pairs = tracing_comparison(stack.urls, fixtures, options)
            warm_up(scenarios + [scenario for pair in tracing_pairs for scenario in pair], args.warmup)
            summaries = [run_scenario(scenario) for scenario in scenarios]
            summaries += [summary for pair in tracing_pairs for summary in run_in_turns(pair, TRACING_TURNS)]
            probes = default_probes(stack.platform.shared_settings(), dynamodb_connection(stack.settings), redis,
                                    fixtures.probe_user, fixtures.asset_id, Decimal(options.order_quantity))
            probe_summaries = [run_probe(probe, args.requests, args.warmup) for probe in probes]
        finally:
            redis.close()
    return BenchReport(
        started_at=started.isoformat(timespec="seconds"),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine,
        options={"requests": args.requests, "concurrency": args.concurrency, "warmup": args.warmup,
                 "users": args.users or args.concurrency, "deposit_amount": options.deposit_amount,
                 "order_quantity": options.order_quantity, "asset_price_usd": str(fixtures.price)},
        target=Target("market-buy-sequential", args.target_ms,
                      f"a market buy's server-side p50 under {args.target_ms:g} ms on the 2-core bench machine"),
        scenarios=summaries,
        probes=probe_summaries,
        load_average_1m_at_end=load_average(),
        spans_received=len(receiver.spans()),
    )


def _exit_on_sigterm(signum: int, _: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through running_stack, which stops every process


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    started = datetime.now(UTC)
    machine = Machine.current()
    directory = args.reports_dir / f"bench-{started:%Y%m%dT%H%M%SZ}"
    try:
        report = run_bench(args, directory, started, machine)
    except (ServerError, PreparationError) as exc:
        log.error("bench failed: %s (server logs in %s)", exc, directory / "logs")
        return 1
    summary = write_report(report, directory)
    log.info("wrote %s and %s", summary, directory / "results.json")
    print(to_markdown(report), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
