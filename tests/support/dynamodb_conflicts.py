"""DynamoDB's transaction conflicts, which DynamoDB Local never produces: it runs one transaction at a time,
however many writers race on an item (its jar has the TransactionConflict reason only in its error tables).

So this is a proxy on 127.0.0.1 in front of DynamoDB Local. It forwards every call as it comes, except the
next ``conflicts`` TransactWriteItems: those it answers the way DynamoDB does when another transaction holds
an item, 400 ``TransactionCanceledException`` with a ``TransactionConflict`` cancellation reason (on the
first item the transaction updates), and writes nothing. The real botocore, PynamoDB and ledger code run.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_TRANSACT_WRITE = "DynamoDB_20120810.TransactWriteItems"
_NOT_RELAYED = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "server", "date"}
"""Per connection, or set by this server itself."""


class ConflictingDynamoDB:
    def __init__(self, dynamodb_port: int):
        self.dynamodb_port = dynamodb_port
        self.conflicts = 0
        """How many of the next TransactWriteItems calls to cancel with a conflict."""
        self.transactions_received = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the proxy first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ConflictingDynamoDB:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                proxy._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="conflicting-dynamodb", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        if request.headers.get("X-Amz-Target") == _TRANSACT_WRITE and self._take_conflict():
            _send(request, 400, {"Content-Type": "application/x-amz-json-1.0"}, _conflict(json.loads(body)))
            return
        upstream = http.client.HTTPConnection("127.0.0.1", self.dynamodb_port, timeout=30)
        try:
            headers = {name: value for name, value in request.headers.items() if name.lower() not in _NOT_RELAYED}
            upstream.request("POST", request.path, body, headers)
            answer = upstream.getresponse()
            relayed = {name: value for name, value in answer.getheaders() if name.lower() not in _NOT_RELAYED}
            _send(request, answer.status, relayed, answer.read())
        finally:
            upstream.close()

    def _take_conflict(self) -> bool:
        with self._lock:
            self.transactions_received += 1
            if self.conflicts <= 0:
                return False
            self.conflicts -= 1
            return True


def _conflict(transaction: dict[str, Any]) -> bytes:
    items = transaction["TransactItems"]
    first_update = next((i for i, item in enumerate(items) if "Update" in item), 0)
    reasons: list[dict[str, str]] = [{"Code": "None"} for _ in items]
    reasons[first_update] = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
    summary = ", ".join(reason["Code"] for reason in reasons)
    return json.dumps({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{summary}]",
        "CancellationReasons": reasons,
    }).encode()


def _send(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
    request.send_response(status)
    for name, value in headers.items():
        request.send_header(name, value)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)
