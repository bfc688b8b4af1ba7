"""A circuit breaker for the graph writer: stop hammering a graph server that is down.

closed    -- writes go through (each with its bounded retries).
open      -- the server failed a whole retry budget; writes fail at once, without waiting, so
             the job dead-letters the batch and keeps running instead of stalling.
half-open -- the cool-down has passed; the next write is a single probe: success closes the
             breaker, failure opens it again with a doubled cool-down (up to a maximum).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(self, cooldown_s: float, max_cooldown_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._base_cooldown = cooldown_s
        self._max_cooldown = max(max_cooldown_s, cooldown_s)
        self._cooldown = cooldown_s
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._opened_at = 0.0

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self._cooldown:
            self._state = BreakerState.HALF_OPEN
        return self._state

    @property
    def seconds_until_probe(self) -> float:
        if self.state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._cooldown - (self._clock() - self._opened_at))

    def allows_write(self) -> bool:
        return self.state is not BreakerState.OPEN

    def is_probing(self) -> bool:
        return self.state is BreakerState.HALF_OPEN

    def record_success(self) -> None:
        self._state = BreakerState.CLOSED
        self._cooldown = self._base_cooldown

    def record_failure(self) -> None:
        """The server failed a write (a whole retry budget, or a probe): open the breaker."""
        if self._state is BreakerState.HALF_OPEN:
            self._cooldown = min(self._cooldown * 2, self._max_cooldown)
        self._state = BreakerState.OPEN
        self._opened_at = self._clock()
