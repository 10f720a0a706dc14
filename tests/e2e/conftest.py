from collections.abc import Iterator

import pytest

from tests.e2e.conduit_process import conduit_env, conduit_serve
from tests.postgres import PostgresServer


@pytest.fixture(scope="module")
def e2e_database_url(pg_server: PostgresServer) -> Iterator[str]:
    with pg_server.database("conduit_e2e") as url:
        yield url


@pytest.fixture(scope="module")
def conduit_url(e2e_database_url: str) -> Iterator[str]:
    """A real `conduit serve` on its own database (migrated by serve itself, as in development)."""
    with conduit_serve(conduit_env(DATABASE_URL=e2e_database_url)) as base_url:
        yield base_url
