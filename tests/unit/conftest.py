from collections.abc import Iterator

import pytest

from adapters.sqlalchemy.mappers import mappers_started


@pytest.fixture(autouse=True)
def _plain_domain_classes() -> Iterator[None]:
    """Unit tests run on plain classes: once SQLAlchemy instruments them, they behave differently (STYLE §3, row 3)."""
    if mappers_started():
        pytest.fail("SQLAlchemy mappers are started: unit tests must run on plain domain classes")
    yield
    if mappers_started():
        pytest.fail("this test started the SQLAlchemy mappers: unit tests must not (use Settings(database_url=None))")
