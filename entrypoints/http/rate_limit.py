"""Rate limits on login and registration, per client address: what a password guesser or an account prober hits.

- `RateLimit`: "10/minute" is a bucket of 10 requests that refills one request every 6 seconds. Kept as GCRA (the
  exact form of a token bucket): one number per client, the time at which its bucket is full again. A refused
  request is not counted, so `Retry-After` is exact and a client that waits it out gets in.
- `RateLimitStore`: the port that keeps the counters. `InMemoryRateLimitStore` serves one process; a shared store
  (Redis, PostgreSQL) lets replicas agree — the container provides the store, so swapping it is one override.
- `RateLimiter`: the policy — which client (the connection's peer; an `X-Forwarded-For` address only when the peer
  is a trusted proxy), which limit, on or off.
- `limit_login`, `limit_registration`: the FastAPI dependencies of `POST /api/users/login` and `POST /api/users`.
  Dependencies run before the body is validated, so a flood of invalid bodies is limited too (malformed JSON is
  refused earlier still, without touching an account or a password).
"""

import ipaddress
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Protocol

from fastapi import Request
from starlette.exceptions import HTTPException

from entrypoints.http.schemas import error_responses

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

LOGIN = "login"
REGISTRATION = "registration"
TOO_MANY_REQUESTS = "too many requests, retry later"
UNKNOWN_CLIENT = "unknown"  # no peer address (e.g. a Unix socket): such clients share one bucket
IPV6_CLIENT_PREFIX = 64  # an IPv6 client usually holds a whole /64: limiting single addresses would limit nothing
PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
LIMIT_SYNTAX = re.compile(r"(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?", re.IGNORECASE | re.ASCII)
# Floating-point slack when comparing times: `n * (period / n)` may exceed `period` by an ulp.
EPSILON_SECONDS = 1e-6

# The OpenAPI `responses` entry of a rate-limited route.
RATE_LIMITED = error_responses({429: "Too many attempts from this client address; retry after `Retry-After`"})
RATE_LIMITED[429]["headers"] = {
    "Retry-After": {
        "description": "Seconds to wait before the next attempt is accepted",
        "schema": {"type": "integer", "minimum": 1},
    }
}


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


class RateLimitStore(Protocol):
    """Counts requests per key. Atomic per call: concurrent callers (threads, processes, replicas) sharing a store
    never let more requests through than the limit allows."""

    def hit(self, key: str, limit: RateLimit) -> float:
        """Count one request for `key` if `limit` allows it and answer 0; else count nothing and answer how many
        seconds remain until it would be allowed."""
        ...


class InMemoryRateLimitStore:
    """The counters of one process: per key, the time at which its bucket is full again (GCRA's "theoretical
    arrival time"). A dictionary operation under a lock per request. Keys whose bucket is full are forgotten when
    the dictionary has doubled since the last sweep (amortized constant time); past `max_keys` live keys, the
    least recently seen are forgotten first."""

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
            full_at = max(self._full_at.pop(key, now), now)
            wait = full_at + limit.interval_seconds - limit.period_seconds - now
            if wait > EPSILON_SECONDS:
                self._full_at[key] = full_at
                return wait
            self._full_at[key] = full_at + limit.interval_seconds
            if len(self._full_at) >= self._sweep_at_size:
                self._sweep(now)
            return 0.0

    def __len__(self) -> int:
        return len(self._full_at)

    def _sweep(self, now: float) -> None:
        live = {key: full_at for key, full_at in self._full_at.items() if full_at > now}
        for key in list(islice(live, max(0, len(live) - self._max_keys))):
            del live[key]
        self._full_at = live
        self._sweep_at_size = max(self.MIN_SWEEP_SIZE, 2 * len(live))


class TooManyRequests(HTTPException):
    """A 429 with `Retry-After` in whole seconds (rounded up), in the errors shape of `entrypoints/http/errors.py`."""

    def __init__(self, retry_after_seconds: float) -> None:
        seconds = max(1, math.ceil(retry_after_seconds))
        super().__init__(429, TOO_MANY_REQUESTS, headers={"Retry-After": str(seconds)})


@dataclass(frozen=True, slots=True)
class RateLimitPolicy:
    """What to limit (a limit per action) and how to tell clients apart."""

    enabled: bool = True
    limits: Mapping[str, RateLimit] = field(default_factory=dict)
    trusted_proxies: tuple[IPNetwork, ...] = ()


class RateLimiter:
    def __init__(self, *, store: RateLimitStore, policy: RateLimitPolicy) -> None:
        self._store, self._policy = store, policy

    def check(self, action: str, *, peer: str | None, forwarded_for: Iterable[str] = ()) -> None:
        """Count one `action` request of this client; raise TooManyRequests when over the action's limit."""
        if not self._policy.enabled:
            return
        client = self.client(peer, forwarded_for)
        wait = self._store.hit(f"{action}:{client}", self._policy.limits[action])
        if wait > 0:
            log.warning("rate limit on %s reached by %s", action, client, extra={"client": client})
            raise TooManyRequests(wait)

    def client(self, peer: str | None, forwarded_for: Iterable[str] = ()) -> str:
        """Who is asking: the peer's address; when the peer is a trusted proxy, the nearest address in
        `X-Forwarded-For` (read right to left: proxies append) that is not a trusted proxy. Entries left of it are
        whatever the client chose to send, and are never read. IPv6 clients are their /64."""
        address = parse_address(peer) if peer else None
        if address is None:
            return peer or UNKNOWN_CLIENT  # not an IP address (a test client): that name, as it is
        if self._trusted(address):
            hops = [hop for header in forwarded_for for hop in header.split(",")]
            for hop in reversed(hops):
                hop_address = parse_address(hop)
                if hop_address is None:
                    break  # not an address: nothing left of it can be trusted either; stay with the last proxy
                address = hop_address
                if not self._trusted(address):
                    break
        return client_key(address)

    def _trusted(self, address: IPAddress) -> bool:
        return any(address in network for network in self._policy.trusted_proxies)


def parse_address(text: str) -> IPAddress | None:
    """`1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`; IPv4-mapped IPv6 is its IPv4 address."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_key(address: IPAddress) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address)


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.container.rate_limiter()
    return limiter


def _check(request: Request, action: str) -> None:
    peer = request.client.host if request.client is not None else None
    _limiter(request).check(action, peer=peer, forwarded_for=request.headers.getlist("x-forwarded-for"))


def limit_login(request: Request) -> None:
    _check(request, LOGIN)


def limit_registration(request: Request) -> None:
    _check(request, REGISTRATION)
