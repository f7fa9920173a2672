"""Run-wide listeners every locustfile loads: the request-count cap, the status tally, the end of the
warm-up, and the gate.

The gate runs where the whole run's statistics are (the local runner or the master): when Locust quits
it evaluates the profile's gates, sets the process exit code from them, and writes the run's summary
(per-endpoint histograms, status counts, verdicts) for ``ops.loadtest`` to report on.

The end of a warm-up is decided there too. In a distributed run the master first asks every worker for what
it logged so far (a worker's report is a delta: it starts again from zero once sent) and waits for each one's
answer, which follows that report on the same connection; only then does it take the warm-up's figures and
start its statistics again, so no request counts in both windows or in neither.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import events
from locust.env import Environment
from locust.rpc import Message
from locust.runners import STATE_CLEANUP, STATE_STOPPED, MasterRunner, WorkerRunner

from loadtests.options import allowed_hosts, listen, option, run_profile
from ops.loadtest.gates import evaluate, passed
from ops.loadtest.measure import EndpointStats, Measurement

log = logging.getLogger("loadtests")

statuses: Counter[tuple[str, str, int]] = Counter()
"""(method, name, HTTP status) -> responses; status 0 is a request that got no answer."""
rate_limit_headers: dict[tuple[str, str], set[str]] = {}
"""(method, name) -> the X-RateLimit-Limit values seen, to show the limits actually in force."""
run_facts: dict[str, Any] = {"stopped_by_request_cap": False, "refused_host": None}
warm_up: dict[str, Any] = {"flushed": set()}
"""The profile's warm-up as measured when it ended (``run``), its errors (``errors``) and its request count
(``requests``, which the request cap adds to the run's); Locust's statistics
then start again from zero (the status tally and the user exceptions keep counting the whole run). ``flushed``:
the workers that have sent everything they logged before the end of the warm-up."""
WARM_UP_OVER = "cnop_warm_up_over"
WARM_UP_FLUSHED = "cnop_warm_up_flushed"
FLUSH_WAIT_S = 10.0
"""How long the master waits for the workers' last warm-up reports (a worker that never answers is not waited
for beyond it)."""


@listen(events.request)
def _tally(request_type: str, name: str, response: Any = None, **_: Any) -> None:
    status = int(getattr(response, "status_code", 0) or 0)
    statuses[request_type, name, status] += 1
    headers = getattr(response, "headers", None) or {}
    limit = headers.get("X-RateLimit-Limit") if hasattr(headers, "get") else None
    if limit is not None:
        rate_limit_headers.setdefault((request_type, name), set()).add(str(limit))


@listen(events.report_to_master)
def _send_tally(client_id: str, data: dict[str, Any]) -> None:
    data["cnop_statuses"] = [[m, n, s, c] for (m, n, s), c in statuses.items()]
    data["cnop_rate_limits"] = [[m, n, sorted(v)] for (m, n), v in rate_limit_headers.items()]
    statuses.clear()
    rate_limit_headers.clear()


@listen(events.worker_report)
def _receive_tally(client_id: str, data: dict[str, Any]) -> None:
    for method, name, status, count in data.get("cnop_statuses", []):
        statuses[method, name, int(status)] += int(count)
    for method, name, limits in data.get("cnop_rate_limits", []):
        rate_limit_headers.setdefault((method, name), set()).update(limits)


@listen(events.test_start)
def _start(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or environment.runner is None:
        return
    host = urlsplit(environment.host or "").hostname
    if host not in allowed_hosts(environment):
        run_facts["refused_host"] = environment.host
        log.error("refusing to send traffic to %s: only %s", environment.host, sorted(allowed_hosts(environment)))
        gevent.spawn(environment.runner.quit)
        return
    profile = run_profile(environment)
    gevent.spawn(_cap_requests, environment, profile.max_requests)
    if profile.warm_up_s:
        gevent.spawn(_end_warm_up, environment, profile.warm_up_s)


def _running(environment: Environment) -> bool:
    runner = environment.runner
    return runner is not None and runner.state not in (STATE_STOPPED, STATE_CLEANUP)


@listen(events.init)
def _register_messages(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message(WARM_UP_OVER, _report_warm_up)
    elif isinstance(runner, MasterRunner):
        runner.register_message(WARM_UP_FLUSHED, _warm_up_reported)


def _report_warm_up(environment: Environment, msg: Message, **_: Any) -> None:
    """On a worker: its report now (Locust's periodic one, which also starts its figures again), then the answer."""
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner._send_stats()  # Locust's own report of every few seconds, sent now
        runner.send_message(WARM_UP_FLUSHED)


def _warm_up_reported(environment: Environment, msg: Message, **_: Any) -> None:
    warm_up["flushed"].add(msg.node_id)


def _end_warm_up(environment: Environment, seconds: float) -> None:
    gevent.sleep(seconds)
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        workers = {worker.id for worker in runner.clients.all}
        runner.send_message(WARM_UP_OVER)
        deadline = time.monotonic() + FLUSH_WAIT_S
        while not workers <= warm_up["flushed"] and time.monotonic() < deadline and _running(environment):
            gevent.sleep(0.02)
        if not workers <= warm_up["flushed"]:
            log.warning("warm-up: no last report from %s", sorted(workers - warm_up["flushed"]))
    if _running(environment):
        warm_up["run"], warm_up["errors"] = measurement(environment), _errors(environment)
        warm_up["requests"] = environment.stats.total.num_requests
        environment.stats.reset_all()
        log.info("warm-up of %g s over after %d requests: measuring from here", seconds, warm_up["requests"])


def _cap_requests(environment: Environment, cap: int) -> None:
    runner = environment.runner
    while runner is not None and _running(environment):
        if environment.stats.total.num_requests + warm_up.get("requests", 0) >= cap:
            run_facts["stopped_by_request_cap"] = True
            log.warning("request cap of %d reached: stopping the run", cap)
            runner.quit()
            return
        gevent.sleep(0.2)


def measurement(environment: Environment) -> Measurement:
    stats = environment.stats
    endpoints = [
        EndpointStats(entry.method or "", entry.name, entry.num_requests, entry.num_failures,
                      dict(entry.response_times), float(entry.total_response_time), float(entry.max_response_time))
        for entry in stats.entries.values() if entry.num_requests or entry.num_failures  # none since the warm-up
    ]
    started, last = stats.start_time or 0.0, stats.last_request_timestamp or 0.0
    exceptions = sum(int(row["count"]) for row in environment.runner.exceptions.values()) if environment.runner else 0
    per_second = {int(second): int(count) for second, count in stats.total.num_reqs_per_sec.items()}
    return Measurement(max(last - started, 0.0), endpoints, exceptions, per_second)


def _endpoints(run: Measurement) -> list[dict[str, Any]]:
    return [{"method": e.method, "name": e.name, "group": e.group, "requests": e.requests, "failures": e.failures,
             "histogram": {str(k): v for k, v in sorted(e.histogram.items())}, "total_ms": e.total_ms,
             "max_ms": e.max_ms} for e in run.endpoints]


def _errors(environment: Environment) -> list[dict[str, Any]]:
    return [{"method": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
            for e in environment.stats.errors.values()]


def _merged_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (method, name, error), the warm-up's occurrences and the run's added up."""
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in errors:
        key = (row["method"], row["name"], row["error"])
        merged.setdefault(key, {**row, "occurrences": 0})["occurrences"] += row["occurrences"]
    return list(merged.values())


def _seconds(run: Measurement) -> dict[str, int]:
    return {str(k): v for k, v in sorted(run.requests_per_second.items())}


def summary(environment: Environment, exit_code: int, verdicts: list[Any], run: Measurement,
            warmed: Measurement | None = None) -> dict[str, Any]:
    return {
        "profile": option(environment, "cnop_profile"),
        "host": environment.host,
        "exit_code": exit_code,
        "passed": exit_code == 0,
        "gates": [verdict.to_json() for verdict in verdicts],
        "duration_s": round(run.duration_s, 3),
        "requests_per_second": _seconds(run),
        "peak_rps": run.peak_rps(),
        "user_exceptions": run.user_exceptions,
        **run_facts,
        "endpoints": _endpoints(run),
        "warm_up": None if warmed is None else {"duration_s": round(warmed.duration_s, 3),
                                                "requests_per_second": _seconds(warmed),
                                                "endpoints": _endpoints(warmed)},
        "statuses": [{"method": m, "name": n, "status": s, "count": c} for (m, n, s), c in sorted(statuses.items())],
        "rate_limit_headers": [{"method": m, "name": n, "limits": sorted(v)}
                               for (m, n), v in sorted(rate_limit_headers.items())],
        "errors": _merged_errors([*warm_up.get("errors", []), *_errors(environment)]),
        "finished_at": time.time(),
    }


@listen(events.quitting)
def _gate(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    run, warmed = measurement(environment), warm_up.get("run")
    verdicts = evaluate(run_profile(environment).gates, run, warmed)
    refused = run_facts["refused_host"] is not None
    environment.process_exit_code = 0 if passed(verdicts) and not refused else 1
    for verdict in verdicts:
        (log.info if verdict.passed else log.error)("gate %s", verdict.describe())
    target = option(environment, "cnop_summary")
    if target:
        document = summary(environment, environment.process_exit_code, verdicts, run, warmed)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(json.dumps(document, indent=1) + "\n")
