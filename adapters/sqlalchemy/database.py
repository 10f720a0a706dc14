"""Engine construction, in one place."""

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """Accept the libpq-style `postgres://` and `postgresql://` forms; Conduit always talks through psycopg2."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed.render_as_string(hide_password=False)


def build_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout: float = 10.0,
    statement_timeout: float | None = None,
) -> Engine:
    """The service's engine. Every wait is bounded: for a pooled connection (pool_timeout), for a new one
    (connect_timeout), for a statement or a lock (statement_timeout, which the server enforces); a dead peer is
    noticed by TCP keepalives. A bounded wait ends in OperationalError, which the API answers with a 503."""
    connect_args: dict[str, object] = {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 30}
    if statement_timeout is not None:
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout * 1000)}"
    return create_engine(
        normalize_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,  # a connection that died in the pool is replaced, not handed to a request
        connect_args=connect_args,
    )


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
