"""Request bodies every app and the gateway refuse before any parser sees them.

Only POST, PUT and PATCH may carry a body. A body over the size limit is refused with 413 as soon as that
is known: from ``Content-Length`` before a byte is read, or while a chunked body streams in, so no body
is ever held whole past the limit. JSON nested deeper than the limit is refused with 400 (Python's JSON
parser recurses, and a 2 KB body of brackets used to end in a ``RecursionError``). A refused body is
never read further, so the answer asks the client to close the connection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# A JSON string, escapes included; possessive, so an unterminated string cannot make the scan quadratic.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # JSON allows only tab, LF, CR unescaped
_MAX_LENGTH_DIGITS = 18


@dataclass(frozen=True)
class BodyRefusal:
    status: int
    code: str
    """A stable machine code: ``body_not_allowed``, ``body_too_large``, ``body_too_deep``."""
    message: str


Refuse = Callable[[BodyRefusal], Response]


def nesting_exceeds(text: str, max_depth: int) -> bool:
    """True when arrays and objects nest deeper than ``max_depth`` (brackets inside strings do not count)."""
    brackets = "".join(_BRACKETS.findall(_JSON_STRING.sub("", text)))
    if brackets.count("[") + brackets.count("{") <= max_depth:
        return False
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def declared_length(value: bytes | None) -> int | None:
    """``Content-Length`` as a number; absurdly long ones (Python refuses to parse over 4,300 digits) count as
    larger than any limit, leading zeros as nothing; None when absent or not a number (the server refuses those)."""
    if value is None or not (digits := value.strip()).isdigit():
        return None
    significant = digits.lstrip(b"0")
    return 10**_MAX_LENGTH_DIGITS if len(significant) > _MAX_LENGTH_DIGITS else int(significant or b"0")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class RequestBodyGuard:
    def __init__(self, app: ASGIApp, max_bytes: int, max_depth: int, refuse: Refuse):
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(_header(scope, b"content-length"))
        streamed = _header(scope, b"transfer-encoding") is not None
        if scope["method"] not in BODY_METHODS:
            if streamed or declared:
                misplaced = BodyRefusal(400, "body_not_allowed", f"{scope['method']} requests must not carry a body")
                await self._refused(misplaced, scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if declared is not None and declared > self.max_bytes:
            await self._refused(self._too_large(), scope, receive, send)
            return
        body = await self._read(receive)
        if body is None:
            await self._refused(self._too_large(), scope, receive, send)
            return
        unreadable = self._unreadable(body)
        if unreadable is not None:
            await self._refused(unreadable, scope, receive, send, read_whole=True)
            return
        await self.app(scope, _replay(body, receive), send)

    def _unreadable(self, body: bytes) -> BodyRefusal | None:
        """JSON on the wire is UTF-8 (RFC 8259): anything else is refused before a parser that would guess
        another encoding (Python's guesses UTF-16 and UTF-32) sees brackets this scan did not count. UTF-16
        and UTF-32 text can decode as UTF-8, but JSON never holds raw control characters, and those do."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = "\x00"
        if _CONTROL_CHARACTER.search(text):
            return BodyRefusal(400, "body_not_utf8", "Request body must be UTF-8 encoded JSON")
        if nesting_exceeds(text, self.max_depth):
            return BodyRefusal(400, "body_too_deep", f"JSON nested deeper than {self.max_depth} levels")
        return None

    def _too_large(self) -> BodyRefusal:
        return BodyRefusal(413, "body_too_large", f"Request body exceeds {self.max_bytes} bytes")

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)  # the client went away; the app sees an empty or partial body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refused(self, refusal: BodyRefusal, scope: Scope, receive: Receive, send: Send,
                       read_whole: bool = False) -> None:
        response = self.refuse(refusal)
        if not read_whole:
            response.headers["Connection"] = "close"  # the rest of the body is never read
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The buffered body as one message, then whatever the server says next (a disconnect)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
