"""The pure checks the gateway and the apps run on a request before anything else reads it."""

from __future__ import annotations

import json

import pytest

from apps.common.bodies import declared_length, nesting_exceeds
from apps.gateway.bruteforce import target_username
from apps.gateway.route_table import has_dot_segment


def nested(depth: int) -> str:
    return '{"amount": 1, "x": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize(("depth", "exceeds"), [(1, False), (32, False), (33, True), (1000, True)])
def test_nesting_is_measured_in_arrays_and_objects(depth: int, exceeds: bool) -> None:
    assert nesting_exceeds(nested(depth), 32) is exceeds


def test_brackets_inside_strings_do_not_count() -> None:
    body = json.dumps({"note": "[" * 500 + '\\"{{{' + "]" * 3, "amount": 1})
    assert not nesting_exceeds(body, 2)


def test_siblings_are_not_depth() -> None:
    assert not nesting_exceeds("[" + "[],{}," * 5000 + "1]", 2)


@pytest.mark.parametrize("body", [
    '"' + '\\"' * 30_000,  # an unterminated string of escaped quotes
    '"\\' * 30_000,         # backslashes that never close a string
    '["' * 20_000,          # strings opened inside ever-deeper arrays
], ids=["escaped-quotes", "dangling-backslashes", "open-strings"])
def test_adversarial_bodies_are_scanned_in_one_pass(body: str) -> None:
    """Each of these would take minutes if the string scan backtracked (pytest's timeout fails them)."""
    nesting_exceeds(body, 32)


@pytest.mark.parametrize("path", [
    "/api/v1/balance/asset/..", "/api/v1/inventory/assets/.", "/api/v1/balance/asset/%2e%2e",
    "/api/v1/balance/asset/%2E", "/api/v1/balance/asset/.%2e", "/api/v1/../v1/balance",
])
def test_dot_segments_are_found_literal_or_encoded(path: str) -> None:
    assert has_dot_segment(path)


@pytest.mark.parametrize("path", ["/api/v1/balance", "/api/v1/inventory/assets/BTC", "/api/v1/orders/ord_a.b",
                                  "/api/v1/balance/asset/...", "/api/v1/balance/asset/%2e%2e%2e"])
def test_ordinary_paths_have_no_dot_segment(path: str) -> None:
    assert not has_dot_segment(path)


@pytest.mark.parametrize(("body", "username"), [
    ({"username": "Alice_01", "password": "x"}, "alice_01"),
    ({"username": "x" * 100}, "x" * 64),
    ({"username": 7}, ""),
    ({}, ""),
    (["alice"], ""),
    (None, ""),
])
def test_the_guard_keys_failures_by_the_username_auth_would_read(body: object, username: str) -> None:
    assert target_username(body) == username


@pytest.mark.parametrize(("header", "length"), [
    (b"12", 12), (b" 7 ", 7), (b"00", 0), (b"0" * 5000 + b"2", 2), (b"9" * 5000, 10**18), (b"abc", None), (None, None),
])
def test_declared_lengths_never_fail_to_parse(header: bytes | None, length: int | None) -> None:
    """Python refuses int() of over 4,300 digits: a header of 5,000 zeros once answered 500."""
    assert declared_length(header) == length
