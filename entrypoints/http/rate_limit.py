"""Rate limits on login and registration, per client address: what a password guesser or an account prober hits.

- `RateLimit` (application/rate_limits.py): "10/minute" is a bucket of 10 requests that refills one request every 6
  seconds. Kept as GCRA (the exact form of a token bucket): one number per client, the time at which its bucket is
  full again. A refused request is not counted, so `Retry-After` is exact and a client that waits it out gets in.
- `RateLimitStore` (the port, application/rate_limits.py) keeps the counters: in this process
  (adapters/memory/rate_limits.py), in PostgreSQL (adapters/sqlalchemy/rate_limits.py) or in Redis
  (adapters/redis_rate_limits.py), as RATE_LIMIT_STORE chooses (entrypoints/settings.py).
- `RateLimiter`: the policy — which client (the connection's peer; an `X-Forwarded-For` address only when the peer
  is a trusted proxy), which limit, on or off — and what a store outage means: the request goes through unchecked
  (fail open). A limiter that failed closed would turn an outage of Redis into an outage of login and registration;
  the outage is logged and counted (`conduit_rate_limit_unchecked` in /metrics) instead.
- `limit_login`, `limit_registration`: the FastAPI dependencies of `POST /api/users/login` and `POST /api/users`.
  Dependencies run before the body is validated, so a flood of invalid bodies is limited too (malformed JSON is
  refused earlier still, without touching an account or a password).
"""

import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from fastapi import Request
from starlette.exceptions import HTTPException

from adapters.memory.rate_limits import InMemoryRateLimitStore
from application.rate_limits import EPSILON_SECONDS, PERIODS, RateLimit, RateLimitStore, RateLimitStoreError
from entrypoints.http.schemas import error_responses

__all__ = [  # the limit, the port and the default store, where the rest of the HTTP layer (and its tests) look
    "EPSILON_SECONDS",
    "PERIODS",
    "InMemoryRateLimitStore",
    "RateLimit",
    "RateLimitPolicy",
    "RateLimitStore",
    "RateLimiter",
    "TooManyRequests",
    "limit_login",
    "limit_registration",
]

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

LOGIN = "login"
REGISTRATION = "registration"
TOO_MANY_REQUESTS = "too many requests, retry later"
UNKNOWN_CLIENT = "unknown"  # no peer address (e.g. a Unix socket): such clients share one bucket
IPV6_CLIENT_PREFIX = 64  # an IPv6 client usually holds a whole /64: limiting single addresses would limit nothing
# After a store failure, the store is left alone this long (requests go through unchecked): an unreachable Redis
# costs one timeout per second, not one per login, and the log gets one line per second, not one per request.
STORE_RETRY_SECONDS = 1.0

# The OpenAPI `responses` entry of a rate-limited route.
RATE_LIMITED = error_responses({429: "Too many attempts from this client address; retry after `Retry-After`"})
RATE_LIMITED[429]["headers"] = {
    "Retry-After": {
        "description": "Seconds to wait before the next attempt is accepted",
        "schema": {"type": "integer", "minimum": 1},
    }
}


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
    def __init__(
        self,
        *,
        store: RateLimitStore,
        policy: RateLimitPolicy,
        on_unchecked: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store, self._policy = store, policy
        self._on_unchecked, self._clock = on_unchecked, clock
        self._store_down_until = -math.inf
        self._lock = threading.Lock()

    def check(self, action: str, *, peer: str | None, forwarded_for: Iterable[str] = ()) -> None:
        """Count one `action` request of this client; raise TooManyRequests when over the action's limit. When the
        store cannot answer, let the request through (fail open), log it and count it."""
        if not self._policy.enabled:
            return
        client = self.client(peer, forwarded_for)
        wait = self._hit(f"{action}:{client}", self._policy.limits[action])
        if wait > 0:
            log.warning("rate limit on %s reached by %s", action, client, extra={"client": client})
            raise TooManyRequests(wait)

    def _hit(self, key: str, limit: RateLimit) -> float:
        if self._clock() < self._store_down_until:
            self._on_unchecked()
            return 0.0
        try:
            return self._store.hit(key, limit)
        except RateLimitStoreError as error:
            with self._lock:
                first = self._clock() >= self._store_down_until
                self._store_down_until = self._clock() + STORE_RETRY_SECONDS
            if first:
                log.error("rate limit store unavailable, requests go through unchecked: %s", error)
            self._on_unchecked()
            return 0.0

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
