"""Is the database there? A bounded readiness probe, and the connection pool's figures for metrics."""

import logging
import math
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

log = logging.getLogger(__name__)
LIBPQ_MIN_CONNECT_TIMEOUT = 2  # libpq reads 1 second as 2


@dataclass(frozen=True, slots=True)
class PoolStats:
    size: int  # connections the pool keeps open
    checked_out: int  # lent to a request right now
    overflow: int  # open beyond `size`, up to DB_MAX_OVERFLOW


class DatabaseProbe:
    """Readiness and pool figures of the container's engine.

    Without an engine (the in-memory adapters) there is no database to lose: always reachable, no pool.
    """

    def __init__(self, engine: Engine | None) -> None:
        self._engine = engine

    def ping(self, timeout: float) -> bool:
        """`SELECT 1` on a fresh connection, never one from the pool (an exhausted pool would make the probe wait
        DB_POOL_TIMEOUT_SECONDS, and a healthy but busy service look down). libpq's connect_timeout bounds reaching
        the server, statement_timeout bounds the query: set with SET LOCAL in the probe's own transaction, never as a
        startup parameter, which PgBouncer refuses (DB_TRANSACTION_POOLER), nor for the session, which through a
        pooler in transaction mode would stay on a server connection that other clients get next."""
        if self._engine is None:
            return True
        dialect = self._engine.dialect
        args, params = dialect.create_connect_args(self._engine.url)
        params = {**params, "connect_timeout": max(LIBPQ_MIN_CONNECT_TIMEOUT, math.ceil(timeout))}
        try:
            connection = dialect.connect(*args, **params)
            try:
                cursor = connection.cursor()  # not autocommit: psycopg2 sends BEGIN first
                cursor.execute(f"SET LOCAL statement_timeout = {math.ceil(timeout * 1000)}; SELECT 1")
                cursor.fetchone()
                connection.rollback()
            finally:
                connection.close()
        except dialect.loaded_dbapi.Error as error:
            log.warning("database unreachable: %s", type(error).__name__)
            return False
        return True

    def pool_stats(self) -> PoolStats | None:
        pool = self._engine.pool if self._engine is not None else None
        if not isinstance(pool, QueuePool):
            return None
        # overflow() counts up from -size while the pool fills: below zero means "not full yet", i.e. no overflow.
        return PoolStats(size=pool.size(), checked_out=pool.checkedout(), overflow=max(pool.overflow(), 0))
