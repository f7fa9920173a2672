"""What runs in a load-test pod of a cluster (the load image's command, ``make loadtest TARGET=<stack>``): a
Locust master or worker under a supervisor that answers the kubelet's probes and, on the master, keeps the
results until they are collected.

    python -m ops.loadtest.pod master --results /reports [--hold-s 900] -- locust --master ...
    python -m ops.loadtest.pod worker -- locust --worker ...

Probes on ``--probe-port``: ``/healthz`` answers 200 while the supervisor runs. ``/readyz`` answers 200 on a
worker while Locust runs, and on the master once Locust has ended and written everything (``exit-code`` is
in the results folder): the master pod turns Ready when its results can be copied, which is what the runner
waits for. The master then exits with Locust's exit code (the gates' verdict) as soon as ``collected``
appears in the folder, or when the hold runs out (the results are then lost with the pod).
"""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Literal

log = logging.getLogger("loadtest-pod")

EXIT_CODE_FILE = "exit-code"
COLLECTED_FILE = "collected"
PROBE_PORT = 8089
MASTER_PORT = 5557
Role = Literal["master", "worker"]


class Supervisor:
    """Runs ``command`` once; its state is what the probes report."""

    def __init__(self, role: Role, command: Sequence[str], results: Path | None, hold_s: float) -> None:
        self.role, self.command, self.results, self.hold_s = role, list(command), results, hold_s
        self.child: subprocess.Popen[bytes] | None = None
        self.results_ready = threading.Event()

    @property
    def ready(self) -> bool:
        if self.role == "master":
            return self.results_ready.is_set()
        return self.child is not None and self.child.poll() is None

    def run(self) -> int:
        self.child = subprocess.Popen(self.command)
        code = self.child.wait()
        log.info("locust %s exited with %d", self.role, code)
        if self.role == "worker" or self.results is None:
            return code
        staged = self.results / f".{EXIT_CODE_FILE}"
        staged.write_text(f"{code}\n")
        staged.rename(self.results / EXIT_CODE_FILE)  # whole or absent: the runner never reads half a file
        self.results_ready.set()
        deadline = time.monotonic() + self.hold_s
        while not (self.results / COLLECTED_FILE).exists():
            if time.monotonic() > deadline:
                log.error("nobody collected the results within %.0f s: they go with the pod", self.hold_s)
                break
            time.sleep(0.5)
        return code

    def stop(self) -> None:
        """The pod is being deleted: Locust stops first (a master writes its reports on the way out)."""
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()


def probe_server(supervisor: Supervisor, port: int, host: str = "0.0.0.0") -> ThreadingHTTPServer:
    """The probes' HTTP server, serving in a thread; on the pod's every address (the kubelet probes its IP)."""
    class Probes(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            healthy = {"/healthz": True, "/readyz": supervisor.ready}.get(self.path)
            self.send_response(404 if healthy is None else 200 if healthy else 503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return  # the kubelet's probes are not worth a log line each

    server = ThreadingHTTPServer((host, port), Probes)
    threading.Thread(target=server.serve_forever, name="probes", daemon=True).start()
    return server


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--" not in args:
        raise SystemExit("usage: python -m ops.loadtest.pod master|worker [options] -- <locust command>")
    split = args.index("--")
    parser = argparse.ArgumentParser(prog="python -m ops.loadtest.pod", description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=["master", "worker"])
    parser.add_argument("--results", type=Path, default=None, help="the master's results folder")
    parser.add_argument("--hold-s", type=float, default=900.0, help="how long the master waits for collection")
    parser.add_argument("--probe-port", type=int, default=PROBE_PORT)
    options = parser.parse_args(args[:split])
    if options.role == "master" and options.results is None:
        parser.error("the master needs --results")
    return options, args[split + 1:]


def main(argv: list[str] | None = None) -> int:
    options, command = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    supervisor = Supervisor(options.role, command, options.results, options.hold_s)

    def stop(signum: int, _: FrameType | None) -> None:
        supervisor.stop()

    signal.signal(signal.SIGTERM, stop)
    server = probe_server(supervisor, options.probe_port)
    try:
        return supervisor.run()
    finally:
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
