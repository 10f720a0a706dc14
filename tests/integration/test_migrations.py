"""Migrations are the only way the schema is made: they must build exactly `tables.metadata`, and undo cleanly."""

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, pool

from adapters.sqlalchemy.database import normalize_url
from adapters.sqlalchemy.tables import metadata
from entrypoints.database import alembic_config, current_revision, downgrade, head_revision, upgrade
from tests.postgres import PostgresServer

pytestmark = pytest.mark.integration


@pytest.fixture
def fresh_database_url(pg_server: PostgresServer) -> Iterator[str]:
    """An empty database of its own: these tests change the schema, so they cannot share the session's."""
    with pg_server.database("conduit_migrations") as url:
        yield url


@pytest.fixture
def fresh_engine(fresh_database_url: str) -> Iterator[Engine]:
    engine = create_engine(normalize_url(fresh_database_url), poolclass=pool.NullPool)
    yield engine
    engine.dispose()


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def schema_drift(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs: list[object] = compare_metadata(context, metadata)
    return diffs


def test_upgrade_to_head_builds_the_schema_of_the_tables_module(fresh_database_url: str, fresh_engine: Engine) -> None:
    upgrade(fresh_database_url)

    assert schema_drift(fresh_engine) == []
    assert table_names(fresh_engine) == set(metadata.tables) | {"alembic_version"}
    assert current_revision(fresh_database_url) == head_revision()


def test_downgrade_to_base_removes_every_table_but_alembic_version(
    fresh_database_url: str, fresh_engine: Engine
) -> None:
    upgrade(fresh_database_url)

    downgrade(fresh_database_url, "base")

    assert table_names(fresh_engine) == {"alembic_version"}
    assert current_revision(fresh_database_url) is None


def test_upgrade_after_a_full_downgrade_builds_the_same_schema_again(
    fresh_database_url: str, fresh_engine: Engine
) -> None:
    upgrade(fresh_database_url)
    downgrade(fresh_database_url, "base")

    upgrade(fresh_database_url)

    assert schema_drift(fresh_engine) == []
    assert current_revision(fresh_database_url) == head_revision()


def revisions_oldest_first() -> list[str]:
    scripts = ScriptDirectory.from_config(alembic_config("postgresql://"))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def test_revisions_form_one_line_ending_at_head() -> None:
    revisions = revisions_oldest_first()

    assert revisions
    assert revisions[-1] == head_revision()


@pytest.mark.parametrize("revision", revisions_oldest_first())
def test_each_revision_can_be_downgraded_and_upgraded_again(revision: str, fresh_database_url: str) -> None:
    upgrade(fresh_database_url, revision)

    downgrade(fresh_database_url, "-1")
    upgrade(fresh_database_url, "+1")

    assert current_revision(fresh_database_url) == revision
