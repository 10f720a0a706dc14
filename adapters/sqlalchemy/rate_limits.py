"""Rate-limit counters in PostgreSQL, shared by every worker and replica that uses the database.

One row per key: the time (seconds since the epoch, on the database's clock) at which its bucket is full again.
Each hit is ONE statement, in autocommit: an `INSERT ... ON CONFLICT DO UPDATE` whose update happens only when GCRA
allows the request (application/rate_limits.py, the same arithmetic). The conflicting row is locked by the upsert,
so concurrent hits on one key queue on that row and never let more through than the limit; different keys never
wait for each other. A refused hit changes nothing and writes nothing: the same statement reads the row for the
wait it answers. (Under concurrent hits on one key, that read is of the statement's snapshot, so the wait can come
out short by the hits that committed meanwhile; the client is then told so once more when it comes back.)

Time is the database's `clock_timestamp()`: one clock for every replica, whatever their own clocks say. A test may
inject a clock instead (then it is the only clock used, for the hits and for the sweep).

Keys whose bucket is full are dead (the same as never seen). Every SWEEP_EVERY allowed hits, a process deletes up
to SWEEP_BATCH dead rows, found through the index on `full_at` and skipping rows another sweep holds: deletions
outpace insertions as long as there are dead rows, so the table holds at most about the clients of the last
period, live. The sweep is its own statement, so a hit never holds two row locks (no deadlock between hits).
"""

import itertools
import threading
from collections.abc import Callable

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from application.rate_limits import EPSILON_SECONDS, RateLimit, RateLimitStoreError

SWEEP_EVERY = 64
SWEEP_BATCH = 256

# :now is the injected clock, or NULL for the database's.
HIT = text("""
WITH clock AS MATERIALIZED (
    SELECT coalesce(CAST(:now AS double precision), extract(epoch FROM clock_timestamp())::double precision) AS now
),
counted AS (
    INSERT INTO rate_limits AS r (key, full_at)
    SELECT :key, clock.now + :interval FROM clock
    ON CONFLICT (key) DO UPDATE SET full_at = greatest(r.full_at, (SELECT now FROM clock)) + :interval
    WHERE greatest(r.full_at, (SELECT now FROM clock)) + :interval - :period <= (SELECT now FROM clock) + :epsilon
    RETURNING 0::double precision AS wait
)
SELECT wait FROM counted
UNION ALL
SELECT greatest(r.full_at + :interval - :period - clock.now, :epsilon)
FROM clock LEFT JOIN rate_limits r ON r.key = :key
WHERE NOT EXISTS (SELECT FROM counted)
""")

SWEEP = text("""
DELETE FROM rate_limits WHERE key IN (
    SELECT key FROM rate_limits WHERE full_at < coalesce(
        CAST(:now AS double precision), extract(epoch FROM clock_timestamp())::double precision
    )
    LIMIT :batch FOR UPDATE SKIP LOCKED
)
""")


class SqlRateLimitStore:
    def __init__(self, engine: Engine, *, clock: Callable[[], float] | None = None) -> None:
        # Autocommit: each statement is its own transaction, one round trip, nothing held between them. On the
        # engine of the primary: the counters are written on every allowed hit.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._clock = clock
        self._allowed = itertools.count(1)
        self._lock = threading.Lock()

    def hit(self, key: str, limit: RateLimit) -> float:
        now = self._clock() if self._clock is not None else None
        parameters = {
            "key": key,
            "interval": limit.interval_seconds,
            "period": limit.period_seconds,
            "epsilon": EPSILON_SECONDS,
            "now": now,
        }
        try:
            with self._engine.connect() as connection:
                wait = float(connection.execute(HIT, parameters).scalar_one())
                if not wait and self._sweep_due():
                    connection.execute(SWEEP, {"now": now, "batch": SWEEP_BATCH})
        except DBAPIError as error:
            raise RateLimitStoreError(f"PostgreSQL: {type(error.orig).__name__}") from error
        return wait

    def sweep(self) -> int:
        """Delete up to SWEEP_BATCH dead rows now; how many went."""
        now = self._clock() if self._clock is not None else None
        with self._engine.connect() as connection:
            return connection.execute(SWEEP, {"now": now, "batch": SWEEP_BATCH}).rowcount

    def _sweep_due(self) -> bool:
        with self._lock:
            return next(self._allowed) % SWEEP_EVERY == 0
