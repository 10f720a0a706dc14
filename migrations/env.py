"""Alembic environment: the target is the Core tables' metadata (no mappers, no `create_all`)."""

import os

from alembic import context
from sqlalchemy import create_engine, pool

from adapters.sqlalchemy.database import normalize_url
from adapters.sqlalchemy.tables import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("DATABASE_URL is not set")
    return url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # handed over by a caller (tests) that owns the connection
        _run(connection)
        return
    engine = create_engine(normalize_url(_url()), poolclass=pool.NullPool)  # one-off: nothing pooled
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)  # type: ignore[arg-type]
    with context.begin_transaction():
        # Migrations are not limited by the service's statement timeout, even one set on the role (as behind
        # PgBouncer): SET LOCAL, so it ends with the transaction and never stays on a pooled server connection.
        context.get_bind().exec_driver_sql("SET LOCAL statement_timeout = 0")
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
