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
- A check can ride on the next read (`check_with_next_read`): that read carries it as one more column, and the
  check's own round trip is saved. The sign-in check of a request that only reads goes this way (queries.py).
"""

import contextlib
import itertools
import logging
import threading
import uuid
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import psycopg2
import psycopg2.errors
from sqlalchemy import Connection, Engine, Integer, ScalarSelect, Select, literal_column, select, text
from sqlalchemy.dialects.postgresql.psycopg2 import dialect as psycopg2_dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import NullType, String, TypeEngine

from adapters.sqlalchemy.database import PREPARED_READS, read_only
from application.paging import PAGE_SIZE_MAX

log = logging.getLogger(__name__)
T = TypeVar("T")

_on_primary: ContextVar[bool] = ContextVar("conduit_reads_on_primary", default=False)
_riding: ContextVar["_RidingCheck | None"] = ContextVar("conduit_check_riding_on_next_read", default=None)

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
        self.database = primary.url.render_as_string(hide_password=True)  # what per-database caches are keyed by
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

    def check_with_next_read(
        self, check: "CarriedCheck", parameters: Mapping[str, object], settle: Callable[[Any], None]
    ) -> bool:
        """The next `fetch` of this request (this context: the request's own call) carries `check` and calls
        `settle` with its value before returning its rows, which `settle` may refuse by raising. False with read
        replicas: there the sign-in check decides where the request reads (queries.py), so it cannot wait."""
        if self._replicas:
            return False
        _riding.set(_RidingCheck(self, check, parameters, settle))
        return True

    def fetch(self, read: "DriverRead", parameters: Mapping[str, object], *, primary: bool = False) -> list[Any]:
        """Run a read through the driver itself, on a usable replica (unless `primary`) or the primary."""
        riding = _riding.get()
        if riding is None or riding.reads is not self:
            return self._fetch(read, parameters, primary=primary)
        _riding.set(None)
        rows = self._fetch(read.carrying(riding.check), {**parameters, **riding.parameters}, primary=True)
        # No row, no value: the check alone then (a miss, an empty page), still one round trip where it was two.
        value = rows[0][-1] if rows else self._fetch(riding.check.alone, riding.parameters, primary=True)[0][0]
        riding.settle(value)
        return rows

    def _fetch(self, read: "DriverRead", parameters: Mapping[str, object], *, primary: bool) -> list[Any]:
        pooled = None
        if self._replicas and not primary and not _on_primary.get():
            pooled = self._from_a_replica(lambda replica: (replica.engine, replica.engine.raw_connection()))
        engine, connection = (
            pooled if pooled is not None else (self._primary_engine, self._primary_engine.raw_connection())
        )
        prepare = bool(engine.get_execution_options().get(PREPARED_READS))
        try:
            return read.run(engine, connection, parameters, prepare=prepare)
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


class CarriedCheck:
    """A one-value read (a scalar subquery, uncorrelated) that another read can carry as its last column."""

    def __init__(self, value: ScalarSelect[Any], name: str) -> None:
        self.column = value.label(name)
        self.alone = DriverRead(select(self.column))


@dataclass(frozen=True, slots=True)
class _RidingCheck:
    reads: ReadRouting  # the check is of this database: another's read does not carry it
    check: CarriedCheck
    parameters: Mapping[str, object]
    settle: Callable[[Any], None]


class DriverRead:
    """A read statement compiled once to the driver's SQL and run with the driver itself, in autocommit, on a pooled
    connection. SQLAlchemy's per-execution machinery costs ~120 µs of CPU per statement (measured: a session check
    217 µs through a Connection, 98 µs this way), more than PostgreSQL spends on these statements; the pool (and its
    dead-connection check) and the statement's construction in SQLAlchemy Core stay. The engine's
    `before_cursor_execute` listeners are told of each statement, as SQLAlchemy itself tells them (statement counts
    in the tests, the read-replica tests' routing record). Rows come back as named tuples of the selected columns.

    Prepared, on an engine built with `prepared_reads` (database.py): PostgreSQL plans a statement anew on every
    plain execution, and for a page that costs as much as running it (pgbench, small data set: a signed-in page
    0.23 ms to plan, 0.21-0.26 ms to run). Each pooled connection prepares a read the first time it runs it, in the
    same round trip (`PREPARE …; EXECUTE …`), then only executes it, with a generic plan (planned once, whatever
    the values). So only statements whose best plan does not depend on their values are prepared:
    - `prepare=False` for those whose plan does (a filter by favorites: a fan of three articles and a fan of
      thousands want different plans);
    - `window=True` for pages: a LIMIT or OFFSET that is a parameter makes PostgreSQL plan for 10% of the rows
      (a sort of the whole table on the large data set, 100 times slower), so the first page of each size is
      prepared with its limit written in, and later pages (offset > 0) run plain, planned for their values.
    A connection keeps at most `PREPARED_PER_CONNECTION` statements (the least recently used one goes). Never
    through a transaction pooler: the next transaction may land on another server session.
    """

    def __init__(self, statement: Select[Any], *, prepare: bool = True, window: bool = False) -> None:
        compiled = statement.compile(dialect=_DRIVER_DIALECT)
        self.sql = str(compiled)
        self._defaults = dict(compiled.params)  # literal values SQLAlchemy made bind parameters of
        self._row: Any = namedtuple("Row", [column.key for column in statement.selected_columns])  # type: ignore[misc]
        self._statement, self._prepare, self._window = statement, prepare, window and prepare
        self._whole = _Prepared(statement) if prepare and not window else None
        self._first_pages: dict[int, _Prepared] = {}  # by page size
        self._carrying: dict[CarriedCheck, DriverRead] = {}

    def carrying(self, check: CarriedCheck) -> "DriverRead":
        """This read with `check` as its last column (built once; a race builds it twice, harmlessly)."""
        read = self._carrying.get(check)
        if read is None:
            statement = self._statement.add_columns(check.column)
            read = self._carrying[check] = DriverRead(statement, prepare=self._prepare, window=self._window)
        return read

    @property
    def name(self) -> str | None:
        """The name it is prepared under (None if it is not prepared whole, e.g. a page)."""
        return self._whole.name if self._whole is not None else None

    def run(
        self, engine: Engine, connection: PoolProxiedConnection, parameters: Mapping[str, object], *, prepare: bool
    ) -> list[Any]:
        values = {**self._defaults, **{name: _driver_value(value) for name, value in parameters.items()}}
        dbapi_connection: Any = connection.dbapi_connection  # psycopg2's, checked out
        dbapi_connection.autocommit = True
        try:
            with dbapi_connection.cursor() as cursor:
                engine.dispatch.before_cursor_execute(None, cursor, self.sql, values, None, False)
                form = self._prepared_form(values) if prepare else None
                prepared = connection.info.setdefault(_PREPARED, OrderedDict()) if form is not None else None
                if form is None or prepared is None:
                    cursor.execute(self.sql, values)
                else:
                    form.execute(cursor, connection, prepared, values, plain=self.sql)
                return [self._row._make(row) for row in cursor.fetchall()]
        finally:
            if not dbapi_connection.closed:
                dbapi_connection.autocommit = False  # as the pool's other users expect it

    def _prepared_form(self, values: Mapping[str, object]) -> "_Prepared | None":
        if not self._window:
            return self._whole
        limit, offset = values.get("limit"), values.get("offset", 0)
        if offset != 0 or not isinstance(limit, int) or not 1 <= limit <= PAGE_SIZE_MAX:
            return None
        form = self._first_pages.get(limit)
        if form is None:  # at most PAGE_SIZE_MAX of them; a race builds one twice, harmlessly
            form = self._first_pages[limit] = _Prepared(_with_window(self._statement, limit))
        return form


class _Prepared:
    """One statement as PREPARE and EXECUTE say it: positional parameters, each with its declared type."""

    _names = itertools.count(1)

    def __init__(self, statement: Select[Any]) -> None:
        positional = statement.compile(dialect=_POSITIONAL_DIALECT)
        self.positions = tuple(positional.positiontup or ())
        self.name = f"conduit_read_{next(self._names)}"
        arguments = f"({', '.join(['%s'] * len(self.positions))})" if self.positions else ""
        self.execute_sql = f"EXECUTE {self.name}{arguments}"
        # Declared, not left to PostgreSQL to infer: `LIMIT $3 + $4` alone says nothing of $3's type.
        typed = _typed_parameters(statement)  # a name used twice may carry its type at one use only
        binds = [positional.binds[name] for name in self.positions]
        types = [_declared_type(typed.get(bind.key, bind.type)) for bind in binds]
        declared = f" ({', '.join(types)})" if types else ""
        prepare = f"PREPARE {self.name}{declared} AS {positional}".replace("%", "%%")  # the driver's placeholder
        self.prepare_and_execute_sql = f"{prepare}; {self.execute_sql}"

    def execute(
        self,
        cursor: Any,
        connection: PoolProxiedConnection,
        prepared: "OrderedDict[str, None]",
        values: Mapping[str, object],
        *,
        plain: str,
    ) -> None:
        arguments = [values[name] for name in self.positions]
        if self.name in prepared:
            try:
                cursor.execute(self.execute_sql, arguments)
                prepared.move_to_end(self.name)
                return
            except psycopg2.errors.InvalidSqlStatementName:
                # Gone from the session: something between us and PostgreSQL (a transaction pooler nobody told us
                # of) hands out other sessions. This connection reads unprepared from now on.
                log.warning("prepared statements do not last on this connection (a transaction pooler?)")
                connection.info[_PREPARED] = None
                cursor.execute(plain, values)
                return
            except psycopg2.errors.FeatureNotSupported:
                # "cached plan must not change result type": a migration changed a table under it. Prepare anew.
                del prepared[self.name]
                cursor.execute(f"DEALLOCATE {self.name}; {self.prepare_and_execute_sql}", arguments)
                prepared[self.name] = None
                return
        evict = ""
        if len(prepared) >= PREPARED_PER_CONNECTION:
            evict = f"DEALLOCATE {prepared.popitem(last=False)[0]}; "
        try:
            cursor.execute(evict + self.prepare_and_execute_sql, arguments)
        except psycopg2.errors.DuplicatePreparedStatement:
            cursor.execute(self.execute_sql, arguments)  # an earlier PREPARE stayed though its EXECUTE failed
        prepared[self.name] = None


def _with_window(statement: Select[Any], limit: int) -> Select[Any]:
    """The statement with its first page's window written in: LIMIT `limit` (and OFFSET 0)."""
    written = {"limit": limit, "offset": 0}

    def literal_window(element: Any, **_: Any) -> Any:
        if isinstance(element, BindParameter) and element.key in written:
            return literal_column(str(written[element.key]), Integer)
        return None

    windowed: Select[Any] = visitors.replacement_traverse(cast(Any, statement), {}, literal_window)
    return windowed


PREPARED_PER_CONNECTION = 100
# A pooled connection's info holds the names prepared on it, least recently used first (SQLAlchemy clears the info
# when it replaces the connection), or None when it cannot keep them.
_PREPARED = "conduit_prepared"
_POSITIONAL_DIALECT = psycopg2_dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
_DRIVER_DIALECT = psycopg2_dialect()  # type: ignore[no-untyped-call]


def _typed_parameters(statement: Select[Any]) -> dict[str, TypeEngine[Any]]:
    typed: dict[str, TypeEngine[Any]] = {}
    for element in visitors.iterate(statement):
        if isinstance(element, BindParameter) and not isinstance(element.type, NullType):
            typed.setdefault(element.key, element.type)
    return typed


def _declared_type(type_: TypeEngine[Any]) -> str:
    """A parameter's type as PREPARE declares it. Text is `unknown`, inferred from the column it meets, as a plain
    statement's literal is: a declared varchar(n) would refuse a longer value where a lookup should find nothing."""
    if isinstance(type_, NullType | String):
        return "unknown"
    return type_.compile(dialect=_POSITIONAL_DIALECT)


def _driver_value(value: object) -> object:
    return str(value) if isinstance(value, uuid.UUID) else value  # SQLAlchemy's Uuid type does this for the driver


def reads_of(source: "Engine | ReadRouting") -> ReadRouting:
    """A read port's routing: the service's, or (an engine given directly, as in tests) always that engine."""
    return source if isinstance(source, ReadRouting) else ReadRouting(source)
