"""Throwaway databases for tests, on whichever PostgreSQL this machine has.

Order: TEST_DATABASE_URL, then DATABASE_URL (their server; a database of our own is created on it), then a
server on 127.0.0.1:5432, else an embedded PostgreSQL started for the run. Every database gets a unique name,
so two runs never share state.

CONDUIT_TEST_PGBOUNCER=1: a throwaway PgBouncer in transaction mode (tests/pgbouncer.py) stands in front of that
server for the whole run. The URLs handed to tests (and so to the app, its engines and `conduit serve`) go through
it; CREATE and DROP DATABASE, and whatever a test does to the server itself (`direct_url`), go to the server.
DB_TRANSACTION_POOLER is set for the run, as an operator sets it for a service behind PgBouncer.
"""

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
from psycopg2 import sql
from sqlalchemy.engine import make_url

from adapters.embedded_postgres import EmbeddedPostgres
from adapters.sqlalchemy.database import normalize_url
from tests import pgbouncer

LOCAL_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


class PostgresServer:
    def __init__(self, admin_url: str, pooler: pgbouncer.PgBouncer | None = None) -> None:
        self.admin_url = normalize_url(admin_url)
        self.pooler = pooler

    def _admin(self) -> "psycopg2.extensions.connection":
        url = make_url(self.admin_url)
        connection = psycopg2.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        connection.autocommit = True
        return connection

    def create_database(self, prefix: str = "conduit_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with contextlib.closing(self._admin()) as connection, connection.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)
        return self.pooler.url(url) if self.pooler is not None else url

    def direct_url(self, url: str) -> str:
        """The same database on the server itself, not through the run's PgBouncer (if any)."""
        return (
            make_url(url)
            .set(host=make_url(self.admin_url).host, port=make_url(self.admin_url).port)
            .render_as_string(hide_password=False)
        )

    def drop_database(self, url: str) -> None:
        name = make_url(url).database or ""
        with contextlib.closing(self._admin()) as connection, connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    @contextlib.contextmanager
    def database(self, prefix: str = "conduit_test") -> Iterator[str]:
        url = self.create_database(prefix)
        try:
            yield url
        finally:
            self.drop_database(url)


def _reachable(url: str) -> bool:
    try:
        PostgresServer(url)._admin().close()
    except psycopg2.OperationalError:
        return False
    return True


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    with _server() as server:
        if not pgbouncer.enabled():
            yield server
            return
        if pgbouncer.pgbouncer_binary() is None:
            raise RuntimeError(f"{pgbouncer.SWITCH}=1 needs pgbouncer (Debian: apt-get install pgbouncer)")
        with pgbouncer.pgbouncer(server.admin_url) as bouncer:
            previous = os.environ.get("DB_TRANSACTION_POOLER")
            os.environ["DB_TRANSACTION_POOLER"] = "true"
            try:
                yield PostgresServer(server.admin_url, pooler=bouncer)
            finally:
                if previous is None:
                    os.environ.pop("DB_TRANSACTION_POOLER", None)
                else:
                    os.environ["DB_TRANSACTION_POOLER"] = previous


@contextlib.contextmanager
def _server() -> Iterator[PostgresServer]:
    configured = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if configured:
        yield PostgresServer(make_url(normalize_url(configured)).set(database="postgres").render_as_string(False))
        return
    if _reachable(LOCAL_SERVER):
        yield PostgresServer(LOCAL_SERVER)
        return
    with tempfile.TemporaryDirectory(prefix="conduit-test-pg-") as folder:
        embedded = EmbeddedPostgres(Path(folder) / "pgdata")
        url = embedded.start()
        try:
            yield PostgresServer(make_url(url).set(database="postgres").render_as_string(False))
        finally:
            embedded.stop()
