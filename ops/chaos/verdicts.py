"""The chaos verdicts, from the journal of every request and the times each fault was on.

They hold for every scenario: no 5xx but a 503 that says when to retry, at any time; while a fault is on,
only the platform's documented answers (and connection errors only while the gateway itself is down); the
first success of the routes a fault affected within a bound after it ends; a revoked token never served;
for a stopped upstream, its circuit opened; for a paused dependency, answers that come back in bounded
time instead of piling up; for DynamoDB's faults, health that says so.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from apps.common.services import names
from apps.gateway.route_table import ROUTES, RouteSpec
from ops.chaos.scenarios import Fault
from ops.loadtest.report import Check

REVOKED, LIVE = "sentinel: revoked token", "sentinel: live token"
DOCUMENTED_REFUSALS = frozenset({401, 403, 404, 409, 422, 429})
ROUTE_BY_NAME: dict[str, RouteSpec] = {spec.path: spec for spec in ROUTES}


@dataclass(frozen=True)
class Answer:
    t: float
    ms: float
    method: str
    name: str
    status: int
    code: str | None
    retry_after: bool
    circuit_open: bool
    exception: str | None


@dataclass(frozen=True)
class Window:
    """When a fault was on, in Unix seconds: from its injection to the end of its restoration."""

    fault: Fault
    start: float
    end: float

    def holds(self, answer: Answer, grace_s: float = 0.0) -> bool:
        return self.start <= answer.t < self.end + grace_s

    def broke(self, answer: Answer, grace_s: float = 0.0) -> bool:
        """Whether the request ended while the fault was on: one sent just before can fail because of it."""
        return self.start <= answer.t + answer.ms / 1000 < self.end + grace_s


def read_journal(path: Path) -> list[Answer]:
    if not path.exists():
        return []
    answers = []
    for line in path.read_text().splitlines():
        row = json.loads(line)
        answers.append(Answer(row["t"], row["ms"], row["m"], row["n"], row["s"], row["c"], row["ra"], row["co"],
                              row["e"]))
    return sorted(answers, key=lambda answer: answer.t)


def _server_error(answer: Answer) -> bool:
    return answer.status >= 500 and not (answer.status == 503 and answer.retry_after)


def no_server_errors(answers: Sequence[Answer]) -> Check:
    bad = Counter(f"{a.method} {a.name} {a.status}" for a in answers if _server_error(a))
    return Check("no 5xx but 503 with Retry-After, at any time", not bad,
                 f"{len(answers)} answers; " + (f"offending: {dict(bad.most_common(5))}" if bad else "none offending"))


def documented_answers(answers: Sequence[Answer], windows: Sequence[Window], recovery_s: float) -> Check:
    """While a fault is on: 2xx, the documented refusals, 503 with Retry-After; no answer at all only while
    the gateway is down (and as long as it takes to come back)."""
    gateway_down = [w for w in windows if w.fault.target == "gateway"]
    during = [a for a in answers if any(w.holds(a) for w in windows)]
    odd: Counter[str] = Counter()
    for answer in answers:
        if answer.status == 0 and not any(w.broke(answer, recovery_s) for w in gateway_down):
            odd[f"no answer ({answer.exception}) {answer.name}"] += 1
    for answer in during:
        if answer.status and not (200 <= answer.status < 300 or answer.status in DOCUMENTED_REFUSALS
                                  or (answer.status == 503 and answer.retry_after)):
            odd[f"{answer.status} {answer.name}"] += 1
    statuses = Counter(str(a.status) if a.status else "no answer" for a in during)
    return Check("only documented answers while a fault is on", not odd,
                 f"during the faults: {dict(sorted(statuses.items()))}"
                 + (f"; undocumented: {dict(odd.most_common(5))}" if odd else ""))


def affected(answer: Answer, fault: Fault, routes: Iterable[str] = ()) -> bool:
    """Whether ``answer`` is on a route the fault can break: the routes given, else those of the stopped
    service, those needing Redis (the signed-in ones) for Redis, and every route for DynamoDB or the gateway."""
    chosen = set(routes)
    if chosen:
        return answer.name in chosen
    route = ROUTE_BY_NAME.get(answer.name)
    if route is None:
        return False
    if fault.target == "redis":
        return route.auth
    if fault.target in names() and fault.target != "gateway":
        return route.upstream == fault.target
    return True


def recovery(answers: Sequence[Answer], windows: Sequence[Window], bound_s: float,
             routes: Iterable[str] = ()) -> tuple[Check, dict[str, float | None]]:
    """Seconds from each fault's end to the first success on the routes it affected."""
    routes = tuple(routes)
    seconds: dict[str, float | None] = {}
    for window in windows:
        first = next((a for a in answers if a.t >= window.end and 200 <= a.status < 300
                      and affected(a, window.fault, routes)), None)
        seconds[window.fault.label] = None if first is None else round(first.t - window.end, 2)
    slow = {label: s for label, s in seconds.items() if s is None or s > bound_s}
    return (Check(f"the first success after each fault within {bound_s:g} s", not slow,
                  ", ".join(f"{label}: {'never' if s is None else f'{s:g} s'}" for label, s in seconds.items())),
            seconds)


def revoked_never_served(answers: Sequence[Answer]) -> Check:
    revoked = Counter(a.status for a in answers if a.name == REVOKED)
    served = revoked.get(200, 0)
    return Check("a revoked token is never served", bool(revoked) and served == 0,
                 f"the revoked token's answers: {dict(sorted(revoked.items()))}")


def bounded_answers(answers: Sequence[Answer], windows: Sequence[Window], bound_s: float) -> Check:
    """A paused dependency must trip timeouts: requests sent while it is paused are answered in bounded time."""
    paused = [w for w in windows if w.fault.kind == "pause"]
    during = [a for a in answers if any(w.holds(a) for w in paused)]
    slowest = max((a.ms for a in during), default=0.0) / 1000
    return Check(f"answers while a dependency is paused come within {bound_s:g} s", slowest <= bound_s,
                 f"{len(during)} requests sent while paused, the slowest answered in {slowest:.2f} s")


def breaker_opened(upstream: str, opened: float, answers: Sequence[Answer]) -> Check:
    fast = sum(1 for a in answers
               if a.circuit_open and (route := ROUTE_BY_NAME.get(a.name)) is not None and route.upstream == upstream)
    return Check(f"the {upstream} circuit opened while it was down", opened >= 1 and fast > 0,
                 f"{opened:g} transitions to open; {fast} answers failed fast with the circuit open")


def loss_said(health: Sequence[str]) -> Check:
    """DynamoDB's faults: the services' health says so while the fault is on."""
    degraded = [state for state in health if state != "ok"]
    return Check("health says DynamoDB is unavailable while it is", bool(degraded),
                 f"states seen: {dict(Counter(health))}" if health else "no health answer seen")
