"""Engine construction, in one place."""

import functools
import select
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection


def normalize_url(url: str) -> str:
    """Accept the libpq-style `postgres://` and `postgresql://` forms; Conduit always talks through psycopg2."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed.render_as_string(hide_password=False)


PREPARED_READS = "conduit_prepared_reads"  # an engine execution option: DriverReads may prepare on its connections


def build_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout: float = 10.0,
    statement_timeout: float | None = None,
    prepared_reads: bool = False,
) -> Engine:
    """The service's engine. Every wait is bounded: for a pooled connection (pool_timeout), for a new one
    (connect_timeout), for a statement or a lock (statement_timeout, which the server enforces); a dead peer is
    noticed by TCP keepalives. A bounded wait ends in OperationalError, which the API answers with a 503.

    `prepared_reads`: the hot reads are prepared once per connection (routing.DriverRead), with generic plans: their
    plans do not depend on the values (index range scans bounded by LIMIT), and a custom plan would mean planning
    anew each time, which is what preparing saves. Only where a session is ours: never through a transaction pooler.
    The setting also reaches the statements of the counters' PL/pgSQL triggers (migrations): lookups by key, which
    one plan suits whatever the key.
    """
    connect_args: dict[str, object] = {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 30}
    options = []
    if statement_timeout is not None:
        options.append(f"-c statement_timeout={int(statement_timeout * 1000)}")
    if prepared_reads:
        options.append("-c plan_cache_mode=force_generic_plan")
    if options:
        connect_args["options"] = " ".join(options)
    engine = create_engine(
        normalize_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        connect_args=connect_args,
    )
    if prepared_reads:
        engine.update_execution_options(**{PREPARED_READS: True})
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", functools.partial(_discard_if_dead, engine.dialect))
    return engine


def replica_name(url: str) -> str:
    """How logs and metrics name a replica: host, port and database, never the credentials."""
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def read_only(engine: Engine) -> Engine:
    """The same pool, in autocommit: a read is one statement and one round trip, with no BEGIN and ROLLBACK
    around it. Only for statements that change nothing and each make sense on their own snapshot."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


# A connection that died in the pool is replaced, not handed to a request. SQLAlchemy's pool_pre_ping would spend a
# round trip on every checkout; instead: a server that ended the session (terminated backend, restart, shutdown)
# has written its farewell or closed the socket, which a zero-timeout poll sees for free; and a connection idle for
# long, where a silent network loss could hide, is pinged for real.
IDLE_PING_SECONDS = 10.0
_CHECKED_IN_AT = "conduit_checked_in_at"
_CLOSED_BY_PEER = select.POLLIN | select.POLLERR | select.POLLHUP


def _note_checkin(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_CHECKED_IN_AT] = time.monotonic()


def _discard_if_dead(
    dialect: Dialect, dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    checked_in_at = record.info.get(_CHECKED_IN_AT)
    if checked_in_at is None:
        return  # fresh from connect()
    if dbapi_connection.closed or _has_pending_input(dbapi_connection.fileno()):
        raise exc.DisconnectionError("the server closed the connection while it was idle in the pool")
    if time.monotonic() - checked_in_at > IDLE_PING_SECONDS:
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure means: do not hand this one out
            raise exc.DisconnectionError("the idle connection did not answer a ping") from error


def _has_pending_input(fd: int) -> bool:
    """An idle session receives nothing unless the server is ending it (an error message, then end of file)."""
    poller = select.poll()
    poller.register(fd, _CLOSED_BY_PEER)
    return bool(poller.poll(0))


def build_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions as every unit of work uses them (the container and the tests share this).

    Objects stay usable after commit (use cases build views from them), and queries see the unit of work's own
    pending changes, as the in-memory adapter does; repositories turn a constraint hit by such a flush into
    its domain error.
    """
    return sessionmaker(bind=engine, expire_on_commit=False)


def storable(text: str) -> bool:
    """Whether PostgreSQL could hold this text at all: no NUL, nothing that UTF-8 cannot encode. A lookup by a
    value that could never have been stored finds nothing, rather than failing in the driver."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
