"""Rate limits as GCRA, the exact form of a token bucket, and the port of the store that keeps the counters.

"10/minute" is a bucket of 10 requests that refills one request every 6 seconds. Per key the store keeps one number:
the time at which the bucket is full again (GCRA's "theoretical arrival time", `full_at`). A request at `now` is
allowed when `max(full_at, now) + interval - period <= now`, and then moves `full_at` to `max(full_at, now) +
interval`; a refused request changes nothing, so the wait it is told is exact. A key whose `full_at` has passed is
the same as a key never seen: stores forget such keys, which keeps them bounded by the clients of the last period.

Every store (in memory, PostgreSQL, Redis) applies `gcra` below, or the same arithmetic in its own language (SQL,
Lua), atomically per hit.
"""

import re
from dataclasses import dataclass
from typing import Protocol

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
LIMIT_SYNTAX = re.compile(r"(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?", re.IGNORECASE | re.ASCII)
# Floating-point slack when comparing times: `n * (period / n)` may exceed `period` by an ulp.
EPSILON_SECONDS = 1e-6


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A bucket of `requests` that refills completely in `period_seconds`, one request at a time."""

    requests: int
    period_seconds: float

    def __post_init__(self) -> None:
        if self.requests < 1 or not self.period_seconds > 0:
            raise ValueError("a rate limit needs at least 1 request in a period longer than 0 seconds")

    @classmethod
    def parse(cls, text: object) -> "RateLimit":
        """`10/minute`, `100/hour`, `5/15minutes`, `1/second`, `1000/day` (any case, plural or not)."""
        if isinstance(text, RateLimit):
            return text
        match = LIMIT_SYNTAX.fullmatch(text.strip()) if isinstance(text, str) else None
        requests, periods = (int(match[1]), int(match[2] or 1)) if match else (0, 0)
        if match is None or requests < 1 or periods < 1:
            raise ValueError(
                f"{text!r} is not a rate limit; write requests/period, e.g. `10/minute`, `100/hour`, `5/15minutes` "
                f"(periods: {', '.join(PERIODS)})"
            )
        return cls(requests=requests, period_seconds=float(periods * PERIODS[match[3].lower()]))

    @property
    def interval_seconds(self) -> float:
        """How long the bucket takes to refill one request."""
        return self.period_seconds / self.requests

    def __str__(self) -> str:
        for name, seconds in reversed(PERIODS.items()):
            periods, rest = divmod(self.period_seconds, seconds)
            if not rest:
                return f"{self.requests}/{name}" if periods == 1 else f"{self.requests}/{int(periods)}{name}s"
        return f"{self.requests}/{self.period_seconds:g}seconds"


def gcra(full_at: float | None, now: float, limit: RateLimit) -> tuple[float, float]:
    """One request at `now` on a bucket full again at `full_at` (None: never seen): `(new full_at, 0)` when
    allowed; `(full_at unchanged, seconds to wait)` when refused."""
    start = now if full_at is None else max(full_at, now)
    wait = start + limit.interval_seconds - limit.period_seconds - now
    if wait > EPSILON_SECONDS:
        return start, wait
    return start + limit.interval_seconds, 0.0


class RateLimitStoreError(Exception):
    """The store could not answer (unreachable, timed out). Stores raise this and nothing else for an outage, so
    the limiter can decide what an outage means (it lets the request through: see entrypoints/http/rate_limit.py)."""


class RateLimitStore(Protocol):
    """Counts requests per key. Atomic per call: concurrent callers (threads, processes, replicas) sharing a store
    never let more requests through than the limit allows."""

    def hit(self, key: str, limit: RateLimit) -> float:
        """Count one request for `key` if `limit` allows it and answer 0; else count nothing and answer how many
        seconds remain until it would be allowed. Raises RateLimitStoreError when the store cannot be reached."""
        ...
