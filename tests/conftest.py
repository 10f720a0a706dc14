from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from adapters.sqlalchemy.database import build_engine
from adapters.sqlalchemy.mappers import start_mappers, stop_mappers
from adapters.sqlalchemy.tables import metadata
from entrypoints.database import upgrade
from tests.postgres import PostgresServer, postgres_server
from tests.redis_server import redis_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def migrated_database_url(pg_server: PostgresServer) -> Iterator[str]:
    """One database for the session, migrated to head; tests leave it empty (see `clean_database`)."""
    with pg_server.database() as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(pg_server: PostgresServer, migrated_database_url: str) -> Iterator[Engine]:
    """The service's engine: reads prepared, unless the run goes through a transaction pooler."""
    engine = build_engine(migrated_database_url, prepared_reads=pg_server.pooler is None)
    yield engine
    engine.dispose()


@pytest.fixture
def clean_database(engine: Engine) -> Iterator[Engine]:
    """The session database, emptied after the test."""
    yield engine
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture(scope="module")
def mappers() -> Iterator[None]:
    """Mapped domain classes for one module; undone after it, so unit tests run on plain classes."""
    start_mappers()
    yield
    stop_mappers()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        if url is None:
            pytest.skip("no Redis: set TEST_REDIS_URL, run one on 127.0.0.1:6379 or install redis-server")
        yield url
