"""Drives the scenarios: a warm-up pass through all of them, then each measured with N concurrent clients."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Sequence
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


async def _sample(client: httpx.AsyncClient, scenario: Scenario, request: BenchRequest) -> Sample:
    started = time.perf_counter()
    try:
        response = await client.request(request.method, request.path, json=request.json,
                                        headers=dict(request.headers))
    except httpx.HTTPError as exc:
        return Sample((time.perf_counter() - started) * 1000, None, None, type(exc).__name__)
    elapsed_ms = (time.perf_counter() - started) * 1000
    server_ms = server_duration_ms(response.headers.get("server-timing"), scenario.timing_metrics)
    return Sample(elapsed_ms, server_ms, response.status_code)


async def _drive(client: httpx.AsyncClient, scenario: Scenario, count: int) -> list[Sample]:
    samples: list[Sample] = []
    sequence = itertools.count()

    async def virtual_client(number: int) -> None:
        while (position := next(sequence)) < count:
            samples.append(await _sample(client, scenario, scenario.make_request(number, position)))

    await asyncio.gather(*(virtual_client(number) for number in range(scenario.concurrency)))
    return samples


def _session(scenario: Scenario) -> httpx.AsyncClient:
    clients = scenario.concurrency
    return httpx.AsyncClient(base_url=scenario.base_url, trust_env=False, timeout=REQUEST_TIMEOUT_SECONDS,
                             limits=httpx.Limits(max_connections=clients, max_keepalive_connections=clients))


async def _unrecorded(scenario: Scenario, count: int) -> None:
    async with _session(scenario) as client:
        await _drive(client, scenario, count)


async def _timed(scenario: Scenario, count: int) -> tuple[list[Sample], float]:
    """``count`` requests' samples and the wall time they took."""
    async with _session(scenario) as client:
        await _drive(client, scenario, scenario.concurrency)  # one per client: connections open before timing
        started = time.perf_counter()
        samples = await _drive(client, scenario, count)
        return samples, time.perf_counter() - started


async def _measure(scenario: Scenario) -> ScenarioSummary:
    samples, wall_seconds = await _timed(scenario, scenario.requests)
    return summarize(scenario.name, scenario.concurrency, samples, wall_seconds)


def warm_up(scenarios: Sequence[Scenario], requests: int) -> None:
    """Unrecorded traffic through every scenario before any is measured: without it DynamoDB Local's JIT
    and the apps' first calls make whichever scenario runs first look several times slower."""
    for scenario in scenarios:
        require_loopback(scenario.base_url)
        asyncio.run(_unrecorded(scenario, requests))
    log.info("warmed up with %d requests per scenario", requests)


def run_scenario(scenario: Scenario) -> ScenarioSummary:
    require_loopback(scenario.base_url)
    log.info("running %s: %d requests, %d clients (%s)", scenario.name, scenario.requests,
             scenario.concurrency, scenario.what)
    summary = asyncio.run(_measure(scenario))
    log.info("%s: %.0f req/s, server p50 %s ms, %d errors", summary.name, summary.requests_per_second,
             f"{summary.server.p50:.2f}" if summary.server else "-", summary.error_count)
    return summary


def turn_shares(requests: int, rounds: int) -> list[int]:
    """``requests`` split over ``rounds`` turns as evenly as whole requests allow."""
    return [requests * (turn + 1) // rounds - requests * turn // rounds for turn in range(rounds)]


def run_in_turns(scenarios: Sequence[Scenario], rounds: int) -> list[ScenarioSummary]:
    """The scenarios taking turns, ``rounds`` times, each turn a share of its requests: whatever else slows the
    machine meanwhile slows each of them alike, so the ratios between them hold on a busy machine."""
    for scenario in scenarios:
        require_loopback(scenario.base_url)
    log.info("running %s in %d turns each", ", ".join(s.name for s in scenarios), rounds)
    samples: dict[str, list[Sample]] = {s.name: [] for s in scenarios}
    walls = dict.fromkeys(samples, 0.0)
    for turn in range(rounds):
        for scenario in scenarios:
            taken, wall_seconds = asyncio.run(_timed(scenario, turn_shares(scenario.requests, rounds)[turn]))
            samples[scenario.name] += taken
            walls[scenario.name] += wall_seconds
    summaries = [summarize(s.name, s.concurrency, samples[s.name], walls[s.name]) for s in scenarios]
    for summary in summaries:
        log.info("%s: %.0f req/s, client p50 %s ms, %d errors", summary.name, summary.requests_per_second,
                 f"{summary.client.p50:.2f}" if summary.client else "-", summary.error_count)
    return summaries
