"""The catalogue (``apps/common/services.py``) is the one list of services: no other module spells one."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.common.services import SERVICES, names, public_entry, service, token_issuer, upstreams
from apps.common.tables import TABLES, USERS
from apps.gateway.route_table import ROUTES
from ops.servers import REPO

CODE = ("apps", "ops", "dashboards", "loadtests", "stacks", "platform", "platform_policy", "tests")
CATALOGUE = REPO / "apps" / "common" / "services.py"


def python_files() -> Iterator[Path]:
    for folder in CODE:
        for path in sorted((REPO / folder).rglob("*.py")):
            if path not in (CATALOGUE, Path(__file__).resolve()):
                yield path


def lists_of_services(tree: ast.AST) -> Iterator[tuple[int, list[str]]]:
    """Literal lists, tuples, sets and dict keys made only of two or more service names."""
    known = set(names())
    for node in ast.walk(tree):
        elements: list[ast.expr | None] = []
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            elements = list(node.elts)
        elif isinstance(node, ast.Dict):
            elements = list(node.keys)
        strings = [e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if len(strings) == len(elements) and len(set(strings)) >= 2 and set(strings) <= known:
            yield node.lineno, strings


def test_no_module_spells_a_list_of_services_by_hand() -> None:
    found = [f"{path.relative_to(REPO)}:{line} {spelled}" for path in python_files()
             for line, spelled in lists_of_services(ast.parse(path.read_text(), str(path)))]
    assert found == [], "derive these from apps.common.services instead:\n" + "\n".join(found)


def test_the_check_finds_a_list_spelled_by_hand() -> None:
    spelled = 'APPS = ("auth", "user")\nPORTS = {"order": 1, "gateway": 2}\nGROUPS = {"auth": 1, "login": 2}\n'
    assert [line for line, _ in lists_of_services(ast.parse(spelled))] == [1, 2]


def test_names_ports_and_settings_are_each_one_service() -> None:
    assert len(set(names())) == len(SERVICES)
    assert len({entry.port for entry in SERVICES}) == len(SERVICES)
    assert len({entry.env_prefix for entry in SERVICES}) == len(SERVICES)
    for entry in SERVICES:
        assert (REPO / "apps" / entry.name / "main.py").exists(), entry.name
        assert entry.settings_class().__module__ == f"apps.{entry.name}.settings"
        assert set(entry.tables) <= set(TABLES)
        assert service(entry.name) is entry


def test_one_public_entry_fronts_every_other_service_and_starts_last() -> None:
    assert SERVICES[-1] is public_entry()
    assert set(upstreams()) == set(SERVICES) - {public_entry()}
    assert {spec.upstream for spec in ROUTES} == {entry.name for entry in upstreams()}, \
        "every upstream serves a public route, and every route's upstream is in the catalogue"


def test_the_signer_is_one_service_and_everyone_who_authenticates_can_read_accounts() -> None:
    assert [entry for entry in SERVICES if entry.signs_tokens] == [token_issuer()]
    assert token_issuer().authenticates
    assert all(USERS in entry.tables for entry in SERVICES if entry.authenticates)
    authenticated_upstreams = {spec.upstream for spec in ROUTES if spec.auth}
    assert authenticated_upstreams == {entry.name for entry in SERVICES if entry.authenticates}


def test_an_unknown_service_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="no service 'matcher' in the catalogue"):
        service("matcher")
