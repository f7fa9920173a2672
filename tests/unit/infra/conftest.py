"""Each stack's real program, run once per session offline under Pulumi's test engine."""

from __future__ import annotations

import pytest

from ops.offline import STACK_NAMES, OfflineRun, run_offline


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The provider SDKs warn about their own deprecated classes when imported; nothing here uses those classes.
    for item in items:
        if "tests/infra/" in item.nodeid:
            item.add_marker(pytest.mark.filterwarnings(r"ignore::DeprecationWarning:pulumi_(aws|eks)\..*"))


@pytest.fixture(scope="session")
def runs() -> dict[str, OfflineRun]:
    return {stack: run_offline(stack) for stack in STACK_NAMES}


@pytest.fixture(params=STACK_NAMES)
def run(request: pytest.FixtureRequest, runs: dict[str, OfflineRun]) -> OfflineRun:
    return runs[request.param]
