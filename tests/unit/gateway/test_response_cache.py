"""What the gateway's shared cache (``apps.gateway.response_cache``) stores, for how long, and what it never
stores: pure, a clock of the test's own."""

from __future__ import annotations

import pytest
from starlette.responses import Response

from apps.gateway.response_cache import ResponseCache, asks_to_revalidate, freshness_seconds


def answer(status: int = 200, body: bytes = b'{"data":[]}', *headers: tuple[bytes, bytes]) -> Response:
    response = Response(content=body, status_code=status)
    response.raw_headers = [(b"content-type", b"application/json"), (b"server-timing", b"inventory;dur=0.8"),
                            *headers, (b"content-length", str(len(body)).encode())]
    return response


PUBLIC = (b"cache-control", b"public, max-age=2")


@pytest.mark.parametrize(("headers", "seconds"), [
    ([PUBLIC], 2),
    ([(b"Cache-Control", b'PUBLIC, S-MAXAGE="7", max-age=1')], 7),
    ([(b"cache-control", b"max-age=5")], 0),  # not said public: a private answer may be personal
    ([(b"cache-control", b"public, max-age=5, no-store")], 0),
    ([(b"cache-control", b"public, private, max-age=5")], 0),
    ([(b"cache-control", b"public, no-cache, max-age=5")], 0),
    ([PUBLIC, (b"vary", b"accept-language")], 0),
    ([PUBLIC, (b"set-cookie", b"session=1")], 0),
    ([(b"cache-control", b"public, max-age=soon")], 0),
    ([], 0),
])
def test_freshness_comes_from_the_answer_s_own_headers(headers: list[tuple[bytes, bytes]], seconds: int) -> None:
    assert freshness_seconds(headers) == seconds


def test_an_answer_is_served_while_fresh_with_its_age_then_forgotten() -> None:
    now = [100.0]
    cache = ResponseCache(entries=8, max_seconds=5.0, max_body_bytes=1024, clock=lambda: now[0])
    cache.store("/inventory/assets/BTC", answer(200, b'{"price":1}', PUBLIC))
    now[0] += 1.5
    served = cache.get("/inventory/assets/BTC")
    assert served is not None and served.body == b'{"price":1}' and served.status_code == 200
    headers = dict(served.raw_headers)
    assert headers[b"age"] == b"1" and headers[b"cache-control"] == b"public, max-age=2"
    assert b"server-timing" not in headers, "the stored request's timing is not this request's"
    assert cache.get("/inventory/assets/BTC?limit=1") is None, "the query is part of the key"
    now[0] += 0.5
    assert cache.get("/inventory/assets/BTC") is None


def test_the_gateway_s_own_limit_caps_what_the_answer_asks() -> None:
    now = [0.0]
    cache = ResponseCache(entries=8, max_seconds=1.0, max_body_bytes=1024, clock=lambda: now[0])
    cache.store("/a", answer(200, b"{}", (b"cache-control", b"public, max-age=60")))
    now[0] = 0.99
    assert cache.get("/a") is not None
    now[0] = 1.0
    assert cache.get("/a") is None


@pytest.mark.parametrize("refused", [
    answer(404, b'{"detail":"no"}', PUBLIC),
    answer(503, b"{}", PUBLIC),
    answer(200, b"x" * 2048, PUBLIC),
    answer(200, b"{}"),
])
def test_errors_large_and_unmarked_answers_are_not_stored(refused: Response) -> None:
    cache = ResponseCache(entries=8, max_seconds=5.0, max_body_bytes=1024)
    cache.store("/a", refused)
    assert cache.get("/a") is None


def test_the_cache_is_bounded_oldest_stored_first() -> None:
    cache = ResponseCache(entries=2, max_seconds=5.0, max_body_bytes=1024)
    for target in ("/a", "/b", "/c"):
        cache.store(target, answer(200, target.encode(), PUBLIC))
    assert cache.get("/a") is None
    assert [cache.get(t).body for t in ("/b", "/c")] == [b"/b", b"/c"]  # type: ignore[union-attr]


def test_no_entries_or_no_seconds_turn_it_off() -> None:
    assert not ResponseCache(entries=0, max_seconds=5.0, max_body_bytes=1024).enabled
    assert not ResponseCache(entries=8, max_seconds=0.0, max_body_bytes=1024).enabled
    assert ResponseCache(entries=8, max_seconds=5.0, max_body_bytes=1024).enabled


def test_a_client_may_ask_for_a_fresh_answer() -> None:
    assert asks_to_revalidate([(b"Cache-Control", b"No-Cache")])
    assert not asks_to_revalidate([(b"cache-control", b"max-stale=5"), (b"pragma", b"")])
