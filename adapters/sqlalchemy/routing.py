"""Where a read goes: a streaming replica when one is configured, healthy and close behind, else the primary.

- Reads run in autocommit, one statement each (`read_only`), on the primary's pool or a replica's.
- A user reads their own writes: a request that writes, and every request of a user who wrote within the last
  `recent_write_seconds`, reads from the primary. The mark is kept on the primary (an UNLOGGED table, see
  migrations), set by the session check of a writing request in the same statement (adapters/sqlalchemy/queries.py),
  so it holds whichever app replica the user's next request reaches. For this request the choice is a context
  variable: it lives as long as the request's own call and never leaks into another request.
- Each process measures every replica's lag (a background thread, every `poll_seconds`): a replica that does not
  answer, or is more than `max_lag_seconds` behind, gets no reads until it catches up; a replica that fails at
  connect time is dropped at once and the read goes to the primary.
"""

import contextlib
import itertools
import logging
import threading
import uuid
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg2
from sqlalchemy import Connection, Engine, Select, text
from sqlalchemy.dialects.postgresql.psycopg2 import dialect as psycopg2_dialect
from sqlalchemy.exc import DBAPIError

from adapters.sqlalchemy.database import read_only

log = logging.getLogger(__name__)
T = TypeVar("T")

_on_primary: ContextVar[bool] = ContextVar("conduit_reads_on_primary", default=False)

# Seconds behind the primary: 0 when everything received is replayed (an idle primary sends nothing, which
# must not read as a growing lag), else the age of the last transaction replayed. NULL on a server that is not
# a standby (a replica URL pointing at a primary): no lag.
LAG = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


@dataclass(frozen=True, slots=True)
class ReplicaStatus:
    name: str
    up: bool
    lag_seconds: float | None  # None until measured, or while down


class _Replica:
    def __init__(self, name: str, engine: Engine) -> None:
        self.name, self.engine, self.reads = name, engine, read_only(engine)
        self.status = ReplicaStatus(name, up=False, lag_seconds=None)


class ReadRouting:
    def __init__(
        self,
        primary: Engine,
        replicas: Sequence[tuple[str, Engine]] = (),
        *,
        recent_write_seconds: float = 10.0,
        max_lag_seconds: float = 1.0,
        poll_seconds: float = 1.0,
        on_status: Callable[[ReplicaStatus], None] = lambda status: None,
    ) -> None:
        self.primary = read_only(primary)
        self._primary_engine = primary
        self.recent_write_seconds = recent_write_seconds
        self._replicas = [_Replica(name, engine) for name, engine in replicas]
        self._max_lag, self._poll_seconds, self._on_status = max_lag_seconds, poll_seconds, on_status
        self._turns = itertools.count()
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None

    @property
    def has_replicas(self) -> bool:
        return bool(self._replicas)

    def stay_on_primary(self) -> None:
        """Every later read of this request goes to the primary (it wrote, or its user did a moment ago)."""
        _on_primary.set(True)

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for one read: a usable replica in turn, else the primary."""
        connection = self._replica_connection() if self._replicas and not _on_primary.get() else None
        with connection if connection is not None else self.primary.connect() as used:
            yield used

    def _replica_connection(self) -> Connection | None:
        return self._from_a_replica(lambda replica: replica.reads.connect())

    def _from_a_replica(self, connect: Callable[["_Replica"], T]) -> T | None:
        usable = [replica for replica in self._replicas if self._usable(replica.status)]
        if not usable:
            return None
        first = next(self._turns)
        for offset in range(len(usable)):
            replica = usable[(first + offset) % len(usable)]
            try:
                return connect(replica)
            except DBAPIError as error:
                log.warning("read replica %s refused a connection: %s", replica.name, error.orig)
                self._record(replica, ReplicaStatus(replica.name, up=False, lag_seconds=None))
        return None

    def fetch(self, read: "DriverRead", parameters: Mapping[str, object], *, primary: bool = False) -> list[Any]:
        """Run a read through the driver itself, on a usable replica (unless `primary`) or the primary."""
        pooled = None
        if self._replicas and not primary and not _on_primary.get():
            pooled = self._from_a_replica(lambda replica: (replica.engine, replica.engine.raw_connection()))
        engine, connection = (
            pooled if pooled is not None else (self._primary_engine, self._primary_engine.raw_connection())
        )
        try:
            return read.run(engine, connection.dbapi_connection, parameters)
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
            # The connection may be dead (the server went away mid-statement): the pool must not reset and keep it,
            # as SQLAlchemy does for the statements it runs itself. The caller still gets the error (a 503).
            connection.invalidate(error)
            raise
        finally:
            connection.close()  # back to the pool

    def _usable(self, status: ReplicaStatus) -> bool:
        return status.up and status.lag_seconds is not None and status.lag_seconds <= self._max_lag

    # --- the lag monitor --------------------------------------------------------------------------------------

    def statuses(self) -> list[ReplicaStatus]:
        return [replica.status for replica in self._replicas]

    def poll(self) -> None:
        """Measure every replica once."""
        for replica in self._replicas:
            try:
                with replica.reads.connect() as connection:
                    lag = float(connection.execute(LAG).scalar_one())
                status = ReplicaStatus(replica.name, up=True, lag_seconds=lag)
            except DBAPIError as error:
                if replica.status.up:
                    log.warning("read replica %s is unavailable: %s", replica.name, error.orig)
                status = ReplicaStatus(replica.name, up=False, lag_seconds=None)
            self._record(replica, status)

    def _record(self, replica: _Replica, status: ReplicaStatus) -> None:
        if status.up and not replica.status.up:
            log.info("read replica %s is in use (%.3f s behind)", replica.name, status.lag_seconds or 0.0)
        replica.status = status
        self._on_status(status)

    def start(self) -> None:
        """Measure now (so that replicas serve from the first request), then every poll_seconds in a thread."""
        if not self._replicas or self._monitor is not None:
            return
        self.poll()
        self._monitor = threading.Thread(target=self._watch, name="conduit-replica-lag", daemon=True)
        self._monitor.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._monitor is not None:
            self._monitor.join(timeout=5)
            self._monitor = None

    def _watch(self) -> None:
        while not self._stopping.wait(self._poll_seconds):
            try:
                self.poll()
            except Exception:  # the monitor must outlive any surprise; the next round tries again
                log.exception("measuring the read replicas failed")


class DriverRead:
    """A read statement compiled once to the driver's SQL and run with the driver itself, in autocommit, on a pooled
    connection. SQLAlchemy's per-execution machinery costs ~120 µs of CPU per statement (measured: a session check
    217 µs through a Connection, 98 µs this way), more than PostgreSQL spends on these statements; the pool (and its
    dead-connection check) and the statement's construction in SQLAlchemy Core stay. The engine's
    `before_cursor_execute` listeners are told of each statement, as SQLAlchemy itself tells them (statement counts
    in the tests, the read-replica tests' routing record). Rows come back as named tuples of the selected columns.
    """

    def __init__(self, statement: Select[Any]) -> None:
        compiled = statement.compile(dialect=_DRIVER_DIALECT)
        self.sql = str(compiled)
        self._defaults = dict(compiled.params)  # literal values SQLAlchemy made bind parameters of
        self._row: Any = namedtuple("Row", [column.key for column in statement.selected_columns])  # type: ignore[misc]

    def run(self, engine: Engine, dbapi_connection: Any, parameters: Mapping[str, object]) -> list[Any]:
        values = {**self._defaults, **{name: _driver_value(value) for name, value in parameters.items()}}
        dbapi_connection.autocommit = True
        try:
            with dbapi_connection.cursor() as cursor:
                engine.dispatch.before_cursor_execute(None, cursor, self.sql, values, None, False)
                cursor.execute(self.sql, values)
                return [self._row._make(row) for row in cursor.fetchall()]
        finally:
            if not dbapi_connection.closed:
                dbapi_connection.autocommit = False  # as the pool's other users expect it


_DRIVER_DIALECT = psycopg2_dialect()  # type: ignore[no-untyped-call]


def _driver_value(value: object) -> object:
    return str(value) if isinstance(value, uuid.UUID) else value  # SQLAlchemy's Uuid type does this for the driver


def reads_of(source: "Engine | ReadRouting") -> ReadRouting:
    """A read port's routing: the service's, or (an engine given directly, as in tests) always that engine."""
    return source if isinstance(source, ReadRouting) else ReadRouting(source)
