"""One circuit breaker per upstream, in this gateway process.

Closed: calls go through; N consecutive failures (5xx or transport error) open it. Open: calls fail fast
until the cool-down has passed, then one probe at a time is let through (half-open); enough successful
probes close it, a failed probe opens it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
STATE_VALUES = {CLOSED: 0, OPEN: 1, HALF_OPEN: 2}

Listener = Callable[[str, str, str], None]  # upstream, from, to


class CircuitBreaker:
    def __init__(
        self,
        upstream: str,
        failure_threshold: int,
        cooldown_seconds: float,
        half_open_successes: int,
        on_transition: Listener | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.upstream = upstream
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown_seconds
        self.half_open_successes = half_open_successes
        self.state = CLOSED
        self._failures = 0
        self._successes = 0
        self._opened_at = 0.0
        self._probe_in_flight = False
        self._on_transition = on_transition
        self._clock = clock

    def allow(self) -> bool:
        if self.state == OPEN and self._clock() - self._opened_at >= self.cooldown:
            self._move(HALF_OPEN)
        if self.state == CLOSED:
            return True
        if self.state == HALF_OPEN and not self._probe_in_flight:
            self._probe_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self._probe_in_flight = False
        self._failures = 0
        if self.state == HALF_OPEN:
            self._successes += 1
            if self._successes >= self.half_open_successes:
                self._move(CLOSED)

    def record_failure(self) -> None:
        self._probe_in_flight = False
        self._failures += 1
        if self.state == HALF_OPEN or (self.state == CLOSED and self._failures >= self.failure_threshold):
            self._opened_at = self._clock()
            self._move(OPEN)

    def abandon(self) -> None:
        """A call that ended with no outcome (cancelled, failed before sending): lets the next probe through."""
        self._probe_in_flight = False

    def retry_after_seconds(self) -> int:
        return max(1, round(self.cooldown - (self._clock() - self._opened_at)))

    def _move(self, state: str) -> None:
        previous, self.state = self.state, state
        self._failures = 0
        self._successes = 0
        if self._on_transition is not None:
            self._on_transition(self.upstream, previous, state)
