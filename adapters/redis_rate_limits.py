"""Rate-limit counters in Redis (REDIS_URL), shared by every worker and replica that uses it.

One key per client and action, holding the time (seconds, on the Redis server's clock) at which its bucket is full
again, and expiring then: a key at rest is gone, so Redis holds only the clients of the last period. Each hit runs
one Lua script, which Redis executes atomically (no other command runs meanwhile): the same GCRA as
application/rate_limits.py. The script reads the server's `TIME` (allowed in scripts since Redis 5, which replicate
a script's effects), so every replica shares one clock; a test may inject a clock instead.

Timeouts are short: a limiter waiting on a dead Redis would hold up every login. A failure is RateLimitStoreError,
which the limiter answers by letting the request through (entrypoints/http/rate_limit.py).
"""

from collections.abc import Callable

import redis

from application.rate_limits import EPSILON_SECONDS, RateLimit, RateLimitStoreError

KEY_PREFIX = "conduit:rate_limit:"
TIMEOUT_SECONDS = 0.5

# KEYS[1]: the key; ARGV: interval, period, epsilon, now ("" for the server's clock). Numbers go back as strings:
# Redis would truncate a Lua number to an integer.
GCRA = """
local interval, period, epsilon = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now == nil then
    local time = redis.call('TIME')
    now = tonumber(time[1]) + tonumber(time[2]) / 1000000
end
local start = tonumber(redis.call('GET', KEYS[1]))
if start == nil or start < now then start = now end
local wait = start + interval - period - now
if wait > epsilon then return string.format('%.17g', wait) end
local full_at = start + interval
redis.call('SET', KEYS[1], string.format('%.17g', full_at), 'PX', math.max(1, math.ceil((full_at - now) * 1000)))
return '0'
"""


class RedisRateLimitStore:
    def __init__(
        self, client: "redis.Redis", *, clock: Callable[[], float] | None = None, prefix: str = KEY_PREFIX
    ) -> None:
        self._client, self._clock, self._prefix = client, clock, prefix
        self._script = client.register_script(GCRA)  # EVALSHA, loading the script again after a Redis restart

    @classmethod
    def from_url(cls, url: str, *, clock: Callable[[], float] | None = None) -> "RedisRateLimitStore":
        """Connections are made on first use, so a Redis that is down at start-up delays nothing."""
        client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS, health_check_interval=30
        )
        return cls(client, clock=clock)

    def hit(self, key: str, limit: RateLimit) -> float:
        now = "" if self._clock is None else repr(self._clock())
        arguments: list[str | float] = [limit.interval_seconds, limit.period_seconds, EPSILON_SECONDS, now]
        try:
            answer = self._script(keys=[self._prefix + key], args=arguments)
        except redis.RedisError as error:
            raise RateLimitStoreError(f"Redis: {type(error).__name__}: {error}") from error
        return float(answer)

    def close(self) -> None:
        self._client.close()
