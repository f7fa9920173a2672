"""Scripted security scenarios: each user plays a fixed script once, records what it saw, and the run
ends when every user is done. The observations are written when Locust quits, for the verdicts that
``ops.loadtest.verdicts`` draws from them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import gevent
from locust import events, task
from locust.env import Environment
from locust.exception import StopUser

from loadtests.options import listen, option
from loadtests.users import AccountUser, Reply

log = logging.getLogger("loadtests")

observations: list[dict[str, Any]] = []
finished_users: list[str] = []
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after")


def observe(kind: str, reply: Reply, **facts: Any) -> None:
    observations.append({
        "kind": kind, "status": reply.status, "code": reply.code(), "t": reply.finished_at,
        "ms": round(reply.elapsed_ms, 3), "circuit": reply.headers.get("x-circuit-state"),
        "message": reply.body.get("message") if isinstance(reply.body, dict) else None,
        "rate_headers": {name: reply.headers[name] for name in RATE_HEADERS if name in reply.headers},
        **facts,
    })


def stop_run(environment: Environment) -> None:
    if environment.runner is not None:
        gevent.spawn(environment.runner.quit)


class ScriptedUser(AccountUser):
    abstract = True

    def script(self) -> None:
        raise NotImplementedError

    @task
    def play(self) -> None:
        try:
            self.script()
        finally:
            finished_users.append(type(self).__name__)
            expected = getattr(self.environment.parsed_options, "num_users", None) or 1
            if len(finished_users) >= expected:
                stop_run(self.environment)
        raise StopUser()


@listen(events.quitting)
def _write_observations(environment: Environment, **_: Any) -> None:
    target = option(environment, "cnop_evidence")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(json.dumps({"observations": observations}, indent=1) + "\n")
        log.info("%d observations written to %s", len(observations), target)
