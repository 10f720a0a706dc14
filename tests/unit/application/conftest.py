from datetime import timedelta

import pytest

from adapters.memory.queries import InMemoryProfileQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.security import Argon2PasswordHasher, JwtTokenService
from domain.users import User
from tests.builders import PASSWORD, FixedClock, a_user, committed


@pytest.fixture(scope="session")
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(memory_kib=1024, time_cost=1)  # cheap: these tests are about behaviour, not cost


@pytest.fixture(scope="session")
def password_hash(hasher: Argon2PasswordHasher) -> str:
    """The hash of PASSWORD, for users a test puts in the store directly."""
    return hasher.hash(PASSWORD)


@pytest.fixture
def tokens() -> JwtTokenService:
    return JwtTokenService(secret="unit-test-secret-" + "s" * 48, lifetime=timedelta(hours=1))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def uow(store: InMemoryStore) -> InMemoryUnitOfWork:
    """The unit of work the use case under test gets; arrange steps use their own (see `committed`)."""
    return InMemoryUnitOfWork(store)


@pytest.fixture
def profiles(store: InMemoryStore) -> InMemoryProfileQueries:
    return InMemoryProfileQueries(store)


# Stored users with nothing but a name; modules that need more (a bio, a known password) define their own.
@pytest.fixture
def jake(store: InMemoryStore) -> User:
    user = a_user(username="jake")
    committed(store, user)
    return user


@pytest.fixture
def amy(store: InMemoryStore) -> User:
    user = a_user(username="amy")
    committed(store, user)
    return user


@pytest.fixture
def rosa(store: InMemoryStore) -> User:
    user = a_user(username="rosa")
    committed(store, user)
    return user
