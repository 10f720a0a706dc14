from collections.abc import Iterator

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from adapters.memory.store import InMemoryStore
from adapters.security import Argon2PasswordHasher
from entrypoints.container import Container, build_container, use_memory_adapters
from entrypoints.http.app import create_app
from entrypoints.settings import Settings


@pytest.fixture(scope="session")
def cheap_hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(memory_kib=1024, time_cost=1)


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, database_url=None)


@pytest.fixture
def container(settings: Settings, cheap_hasher: Argon2PasswordHasher) -> Container:
    """One container per test, wired to the in-memory adapters; the app is built from it."""
    container = build_container(settings)
    container.password_hasher.override(providers.Object(cheap_hasher))
    return container


@pytest.fixture
def store(container: Container) -> InMemoryStore:
    return use_memory_adapters(container)


@pytest.fixture
def client(container: Container, settings: Settings, store: InMemoryStore) -> Iterator[TestClient]:
    with TestClient(create_app(container, settings)) as client:
        yield client
