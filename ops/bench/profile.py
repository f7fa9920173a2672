"""``make profile``: where the gateway's CPU goes, per forwarded request, under a steady load of real requests.

    python -m ops.bench.profile [--seconds 10] [--clients 4]

Starts the bench's stack (ops/bench/stack.py), then for each read (a public catalogue read the gateway must
forward, the same read it may answer from its cache, an authenticated balance read) sends requests from
``--clients`` concurrent clients for ``--seconds`` while py-spy samples the gateway process. Writes
``reports/profile-<UTC timestamp>/``: per read a flame graph (``gateway-<read>.svg``) and its collapsed stacks
(``gateway-<read>.txt``, the input of flamegraph.pl, speedscope and inferno), and ``summary.md``: CPU time per
request of the gateway and of the app behind it (from the processes' own CPU counters, the sampler's cost
excluded: it runs in another process), and the gateway's samples by part. py-spy needs to read the gateway's
memory: root, or ``kernel.yama.ptrace_scope`` 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import psutil

from apps.common.models import bind_models
from apps.common.redis_client import make_redis
from apps.gateway.response_cache import REVALIDATE
from ops.bench.fixtures import prepare
from ops.bench.stack import running_stack
from ops.servers import REPO

log = logging.getLogger("profile")

SAMPLES_PER_SECOND = 250
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # (part, substrings of a frame that put a sample in it); the first part whose frame appears deepest wins
    ("upstream call (apps/gateway/upstream_http.py, proxy.py)", ("apps/gateway/upstream_http.py",
                                                                 "apps/gateway/proxy.py")),
    ("admission: rate limit and revocation (Redis script)", ("apps/gateway/admission.py",)),
    ("token verification", ("apps/gateway/clients.py", "apps/common/tokens.py")),
    ("response cache", ("apps/gateway/response_cache.py",)),
    ("access log", ("logging/__init__.py", "apps/common/logs.py")),
    ("pipeline (identity, headers, routing)", ("apps/gateway/pipeline.py", "apps/gateway/dispatch.py",
                                               "apps/gateway/route_table.py")),
    ("middleware (observability, CORS, body guard, security headers)", (
        "apps/common/middleware.py", "apps/common/bodies.py", "apps/gateway/headers.py", "starlette/",
        "fastapi/")),
    ("HTTP server (uvicorn, httptools, deadlines)", ("uvicorn/protocols", "apps/common/server_protocol.py")),
)
EVENT_LOOP = "event loop and socket system calls (uvloop)"


@dataclass(frozen=True)
class Read:
    name: str
    path: str
    upstream: str
    authenticated: bool = False
    revalidate: bool = False


READS = (
    Read("asset-read-uncached", "/api/v1/inventory/assets/BENCH", "inventory", revalidate=True),
    Read("asset-read-cached", "/api/v1/inventory/assets/BENCH", "inventory"),
    Read("balance-read", "/api/v1/balance", "user", authenticated=True),
)


@dataclass(frozen=True)
class Profiled:
    read: Read
    requests: int
    seconds: float
    gateway_cpu_ms: float
    upstream_cpu_ms: float
    parts: dict[str, float]
    """Share of the gateway's busy samples by part."""


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


async def _drive(url: str, path: str, headers: Mapping[str, str], seconds: float, clients: int) -> int:
    answered = 0
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=10,
                                 limits=httpx.Limits(max_connections=clients)) as session:
        deadline = time.monotonic() + seconds

        async def client() -> None:
            nonlocal answered
            while time.monotonic() < deadline:
                answer = await session.get(path, headers=headers)
                if answer.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {answer.status_code}: {answer.text[:200]}")
                answered += 1

        await asyncio.gather(*(client() for _ in range(clients)))
    return answered


def _wait_answered(url: str, path: str, headers: Mapping[str, str], seconds: float = 15.0) -> None:
    """A new asset is listed once the inventory's catalogue cache is read again (``catalogue_cache_seconds``)."""
    deadline = time.monotonic() + seconds
    while httpx.get(f"{url}{path}", headers=headers, timeout=5).status_code != 200:
        if time.monotonic() > deadline:
            raise SystemExit(f"GET {path} is not answered 200 after {seconds:.0f} s")
        time.sleep(0.2)


def _sampler(pid: int, seconds: float, output: Path, form: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [_py_spy(), "record", "--pid", str(pid), "--rate", str(SAMPLES_PER_SECOND), "--duration", str(int(seconds)),
         "--nonblocking", "--format", form, "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _py_spy() -> str:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if found is None:
        raise SystemExit("py-spy is not installed: `make setup` installs it")
    return found


def busy_stacks(collapsed: Path) -> Iterator[tuple[list[str], int]]:
    """Each sampled stack (outermost frame first) and its count, idle waits left out."""
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if frames and not frames[-1].startswith(("select ", "poll ", "epoll")):
            yield frames, int(count)


def parts_of(collapsed: Path) -> dict[str, float]:
    counted: Counter[str] = Counter()
    for frames, count in busy_stacks(collapsed):
        counted[_part(frames)] += count
    total = sum(counted.values()) or 1
    return {part: counted[part] / total for part, _ in (*PARTS, (EVENT_LOOP, ()))}


def _part(frames: list[str]) -> str:
    for frame in reversed(frames):
        for part, markers in PARTS:
            if any(marker in frame for marker in markers):
                return part
    return EVENT_LOOP


def profile_read(read: Read, url: str, headers: dict[str, str], pids: Mapping[str, int], directory: Path,
                 seconds: float, clients: int) -> Profiled:
    if read.revalidate:
        headers = {**headers, **REVALIDATE}
    _wait_answered(url, read.path, headers)
    asyncio.run(_drive(url, read.path, headers, 2.0, clients))  # warm: connections and caches
    gateway, upstream = pids["gateway"], pids[read.upstream]
    samplers = [_sampler(gateway, seconds, directory / f"gateway-{read.name}.txt", "raw"),
                _sampler(gateway, seconds, directory / f"gateway-{read.name}.svg", "flamegraph")]
    before = cpu_seconds(gateway), cpu_seconds(upstream)
    started = time.monotonic()
    requests = asyncio.run(_drive(url, read.path, headers, seconds, clients))
    elapsed = time.monotonic() - started
    after = cpu_seconds(gateway), cpu_seconds(upstream)
    for sampler in samplers:
        _, errors = sampler.communicate(timeout=seconds + 30)
        if sampler.returncode != 0:
            raise SystemExit(f"py-spy failed ({sampler.returncode}): {errors.decode(errors='replace')[-500:]}")
    return Profiled(read, requests, elapsed, (after[0] - before[0]) / requests * 1000,
                    (after[1] - before[1]) / requests * 1000, parts_of(directory / f"gateway-{read.name}.txt"))


def to_markdown(results: list[Profiled], started: datetime, clients: int) -> str:
    lines = [f"# Gateway profile {started.isoformat(timespec='seconds')}", "",
             f"{psutil.cpu_count()} CPUs; {clients} concurrent clients per read; py-spy at {SAMPLES_PER_SECOND} Hz "
             "on the gateway. CPU per request from the processes' own counters.", "",
             "| read | requests | req/s | gateway CPU ms/request | app CPU ms/request | gateway / app |",
             "|---|---|---|---|---|---|"]
    for result in results:
        ratio = result.gateway_cpu_ms / result.upstream_cpu_ms if result.upstream_cpu_ms > 0.01 else float("inf")
        lines.append(f"| {result.read.name} | {result.requests} | {result.requests / result.seconds:.0f} | "
                     f"{result.gateway_cpu_ms:.3f} | {result.upstream_cpu_ms:.3f} | {ratio:.2f}x |")
    lines += ["", "## The gateway's busy samples by part", "",
              "| part | " + " | ".join(result.read.name for result in results) + " |",
              "|---|" + "---|" * len(results)]
    for part in [name for name, _ in PARTS] + [EVENT_LOOP]:
        lines.append(f"| {part} | " + " | ".join(f"{result.parts[part]:.0%}" for result in results) + " |")
    lines += ["", "Flame graphs: `gateway-<read>.svg`; collapsed stacks: `gateway-<read>.txt`.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--reports-dir", type=Path, default=REPO / "reports")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = datetime.now(UTC)
    directory = args.reports_dir / f"profile-{started:%Y%m%dT%H%M%SZ}"
    directory.mkdir(parents=True)
    with running_stack(directory / "logs", table_prefix="profile-") as stack:
        bind_models(stack.settings)
        redis = make_redis(stack.settings)
        try:
            fixtures = prepare(stack.urls, redis, 1, funding=Decimal("100"), asset_id="BENCH", price=Decimal("100"))
        finally:
            redis.close()
        results = []
        for read in READS:
            headers = dict(fixtures.users[0].headers) if read.authenticated else {}
            log.info("profiling %s for %.0f s", read.name, args.seconds)
            results.append(profile_read(read, stack.urls["gateway"], headers, stack.pids, directory, args.seconds,
                                        args.clients))
    summary = to_markdown(results, started, args.clients)
    (directory / "summary.md").write_text(summary)
    print(summary, end="")
    log.info("wrote %s", directory)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
