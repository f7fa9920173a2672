"""Drives one scenario: unrecorded warm-up requests, then the measured ones from N concurrent clients."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from urllib.parse import urlsplit

import httpx

from ops.bench.scenarios import BenchRequest, Scenario
from ops.bench.stats import Sample, ScenarioSummary, server_duration_ms, summarize

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
REQUEST_TIMEOUT_SECONDS = 10.0


class NotLoopback(ValueError):
    """The bench only ever sends traffic to the stack it started on this machine."""


def require_loopback(base_url: str) -> None:
    host = urlsplit(base_url).hostname
    if host not in LOOPBACK_HOSTS:
        raise NotLoopback(f"refusing to send bench traffic to {base_url}: only loopback is allowed")


async def _timed(client: httpx.AsyncClient, request: BenchRequest) -> Sample:
    started = time.perf_counter()
    try:
        response = await client.request(request.method, request.path, json=request.json,
                                        headers=dict(request.headers))
    except httpx.HTTPError as exc:
        return Sample((time.perf_counter() - started) * 1000, None, None, type(exc).__name__)
    elapsed_ms = (time.perf_counter() - started) * 1000
    return Sample(elapsed_ms, server_duration_ms(response.headers.get("server-timing")), response.status_code)


async def _drive(client: httpx.AsyncClient, scenario: Scenario, count: int) -> list[Sample]:
    samples: list[Sample] = []
    sequence = itertools.count()

    async def virtual_client(number: int) -> None:
        while (position := next(sequence)) < count:
            samples.append(await _timed(client, scenario.make_request(number, position)))

    await asyncio.gather(*(virtual_client(number) for number in range(scenario.concurrency)))
    return samples


async def _measure(scenario: Scenario, warmup: int) -> ScenarioSummary:
    clients = scenario.concurrency
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=scenario.base_url, trust_env=False, limits=limits,
                                 timeout=REQUEST_TIMEOUT_SECONDS) as client:
        await _drive(client, scenario, warmup)
        started = time.perf_counter()
        samples = await _drive(client, scenario, scenario.requests)
        wall_seconds = time.perf_counter() - started
    return summarize(scenario.name, scenario.concurrency, samples, wall_seconds)


def run_scenario(scenario: Scenario, warmup: int) -> ScenarioSummary:
    require_loopback(scenario.base_url)
    log.info("running %s: %d requests, %d clients (%s)", scenario.name, scenario.requests,
             scenario.concurrency, scenario.what)
    summary = asyncio.run(_measure(scenario, warmup))
    log.info("%s: %.0f req/s, server p50 %s ms, %d errors", summary.name, summary.requests_per_second,
             f"{summary.server.p50:.2f}" if summary.server else "-", summary.error_count)
    return summary
