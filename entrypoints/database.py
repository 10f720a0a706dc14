"""Where the database comes from, and its migrations, for every entrypoint (serve, CLI, scripts)."""

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, exc, pool, text

import migrations
from adapters.embedded_postgres import EmbeddedPostgres
from adapters.sqlalchemy.database import normalize_url
from entrypoints.settings import Settings

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(migrations.__file__).parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    engine = create_engine(normalize_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def check_statement_timeout(database_url: str, expected_seconds: float) -> float | None:
    """Through a transaction pooler (DB_TRANSACTION_POOLER) Conduit cannot ask for its statement timeout: the server
    must give it to every connection (ALTER ROLE, or PgBouncer's connect_query). Say so, loudly, when what a
    connection gets is not DB_STATEMENT_TIMEOUT_SECONDS. The seconds found (0: none), or None when unreachable."""
    engine = create_engine(normalize_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            setting = text("SELECT setting::bigint FROM pg_settings WHERE name = 'statement_timeout'")
            found = float(connection.execute(setting).scalar_one()) / 1000
    except exc.DBAPIError as error:
        log.warning("could not check the server's statement_timeout: %s", type(error.orig).__name__)
        return None
    finally:
        engine.dispose()
    if abs(found - expected_seconds) > 0.001:
        log.error(
            "statement_timeout through the pooler is %gs, not DB_STATEMENT_TIMEOUT_SECONDS=%gs: a slow statement or a "
            "lock wait can hold a connection that long; set it on the server, e.g. "
            "ALTER ROLE <conduit's role> SET statement_timeout = '%dms' (README: PgBouncer)",
            found,
            expected_seconds,
            round(expected_seconds * 1000),
        )
    return found


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The URL to use: DATABASE_URL when set, else an embedded PostgreSQL kept in `settings.data_dir`.

    The embedded server is started on entry and released on exit; it is exported as DATABASE_URL so that
    worker processes started meanwhile use the same server.
    """
    if settings.database_url:
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.data_dir / "pgdata")
    url = embedded.start()
    os.environ["DATABASE_URL"] = url
    try:
        yield url
    finally:
        os.environ.pop("DATABASE_URL", None)
        embedded.stop()
