"""The rate-limit counters of one process: the default when a single process serves (see RATE_LIMIT_STORE)."""

import threading
import time
from collections.abc import Callable
from itertools import islice

from application.rate_limits import RateLimit, gcra


class InMemoryRateLimitStore:
    """Per key, the time at which its bucket is full again (GCRA's "theoretical arrival time"). A dictionary
    operation under a lock per request. Keys whose bucket is full are forgotten when the dictionary has doubled since
    the last sweep (amortized constant time); past `max_keys` live keys, the least recently seen are forgotten
    first."""

    MIN_SWEEP_SIZE = 1024

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._clock, self._max_keys = clock, max_keys
        self._full_at: dict[str, float] = {}  # least recently hit first
        self._sweep_at_size = self.MIN_SWEEP_SIZE
        self._lock = threading.Lock()

    def hit(self, key: str, limit: RateLimit) -> float:
        with self._lock:
            now = self._clock()
            # pop and insert again: the key moves to the end, so the dictionary stays in least-recently-hit order
            self._full_at[key], wait = gcra(self._full_at.pop(key, None), now, limit)
            if not wait and len(self._full_at) >= self._sweep_at_size:
                self._sweep(now)
            return wait

    def __len__(self) -> int:
        return len(self._full_at)

    def _sweep(self, now: float) -> None:
        live = {key: full_at for key, full_at in self._full_at.items() if full_at > now}
        for key in list(islice(live, max(0, len(live) - self._max_keys))):
            del live[key]
        self._full_at = live
        self._sweep_at_size = max(self.MIN_SWEEP_SIZE, 2 * len(live))
