"""Every contract test runs once per adapter: `memory` first, then `postgres` (marked `integration`).

`backend` is module-scoped so pytest runs all memory cases before any Postgres case: the in-memory adapter is
checked on plain, unmapped domain classes, and Postgres is only started when a postgres case is selected.
"""

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from adapters.memory.queries import InMemoryProfileQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.sqlalchemy.database import build_session_factory
from adapters.sqlalchemy.queries import SqlProfileQueries
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.ports import UnitOfWork
from application.queries import ProfileQueries

UnitOfWorkFactory = Callable[[], UnitOfWork]


@pytest.fixture(scope="module", params=["memory", pytest.param("postgres", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def memory_uow_factory(store: InMemoryStore) -> UnitOfWorkFactory:
    return lambda: InMemoryUnitOfWork(store)


@pytest.fixture
def postgres_uow_factory(mappers: None, clean_database: Engine) -> UnitOfWorkFactory:
    session_factory = build_session_factory(clean_database)
    return lambda: SqlAlchemyUnitOfWork(session_factory)


@pytest.fixture
def memory_profile_queries(store: InMemoryStore) -> ProfileQueries:
    return InMemoryProfileQueries(store)


@pytest.fixture
def postgres_profile_queries(clean_database: Engine) -> ProfileQueries:
    return SqlProfileQueries(clean_database)


@pytest.fixture
def make_uow(backend: str, request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    """A new unit of work per call, all over the same storage (one store, or one database)."""
    factory: UnitOfWorkFactory = request.getfixturevalue(f"{backend}_uow_factory")
    return factory


@pytest.fixture
def profile_queries(backend: str, request: pytest.FixtureRequest) -> ProfileQueries:
    """Reads the storage `make_uow` writes to, in the same test."""
    queries: ProfileQueries = request.getfixturevalue(f"{backend}_profile_queries")
    return queries
