"""A steady pace for publishing requests, shared by every worker of a run.

Commons asks a bot for a declared, steady edit rate. uploadbot sends its own
requests, so pywikibot's ``put_throttle`` never applies; this is its
counterpart. Each publishing request takes the next free slot on one
timeline, slots ``1/rate`` seconds apart, under a lock: however many workers
there are, no two requests go closer together than that, and there is no
burst after an idle moment (a token bucket would allow one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Hands out send times ``interval`` seconds apart to any number of threads."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError('a rate must be positive')
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = float('-inf')
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until this caller's slot; returns the slot (on the clock's scale)."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)
        return slot
