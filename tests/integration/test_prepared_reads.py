"""Prepared reads (adapters/sqlalchemy/routing.py, DriverRead): each pooled connection prepares a read the first time
it runs it and only executes it after that, with a generic plan; whatever happens to the prepared statement on the
server (a failed first execution, a migration under it, a session that loses it), the read still answers right.

On a database of its own, reached directly (prepared reads are never used through a transaction pooler).
"""

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, bindparam, select, text

from adapters.sqlalchemy import routing
from adapters.sqlalchemy.database import build_engine
from adapters.sqlalchemy.routing import DriverRead, ReadRouting
from tests.postgres import PostgresServer

pytestmark = pytest.mark.integration

notes = Table("notes", MetaData(), Column("id", Integer, primary_key=True), Column("body", String(10)))
BY_ID = DriverRead(select(notes.c.id, notes.c.body).where(notes.c.id == bindparam("id")))
BY_BODY = DriverRead(select(notes.c.id).where(notes.c.body == bindparam("body")))
RATIO = DriverRead(select((bindparam("top", type_=Integer) / bindparam("bottom", type_=Integer)).label("ratio")))
PAGE = DriverRead(
    select(notes.c.id).order_by(notes.c.id).limit(bindparam("limit")).offset(bindparam("offset")), window=True
)
UNPREPARED = DriverRead(select(notes.c.body).where(notes.c.id == bindparam("id")), prepare=False)


@pytest.fixture
def database_url(pg_server: PostgresServer) -> Iterator[str]:
    with pg_server.database("conduit_prepared") as created:
        url = pg_server.direct_url(created)
        engine = build_engine(url, pool_size=1, max_overflow=0)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE notes (id integer PRIMARY KEY, body varchar(10))"))
            connection.execute(text("INSERT INTO notes VALUES (1, 'one'), (2, 'two')"))
        engine.dispose()
        yield url


def one_connection(url: str, *, prepared_reads: bool) -> Iterator[Engine]:
    engine = build_engine(url, pool_size=1, max_overflow=0, prepared_reads=prepared_reads)
    yield engine
    engine.dispose()


@pytest.fixture
def prepared(database_url: str) -> Iterator[Engine]:
    yield from one_connection(database_url, prepared_reads=True)


@pytest.fixture
def plain(database_url: str) -> Iterator[Engine]:
    yield from one_connection(database_url, prepared_reads=False)


def prepared_here(engine: Engine) -> dict[str, Any]:
    """The pool's one connection's prepared statements, and how each was planned."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, generic_plans, custom_plans FROM pg_prepared_statements"))
        return {row.name: (row.generic_plans, row.custom_plans) for row in rows}


def test_a_read_is_prepared_once_per_connection_and_then_executed_with_a_generic_plan(prepared: Engine) -> None:
    reads = ReadRouting(prepared)

    answers = [reads.fetch(BY_ID, {"id": key}) for key in (1, 2, 1, 3, 2, 1, 2)]

    assert [[tuple(row) for row in rows] for rows in answers] == [
        [(1, "one")], [(2, "two")], [(1, "one")], [], [(2, "two")], [(1, "one")], [(2, "two")]
    ]  # fmt: skip
    assert prepared_here(prepared) == {BY_ID.name: (7, 0)}  # prepared once, never planned per value


def test_without_prepared_reads_nothing_is_prepared_and_the_answers_are_the_same(
    prepared: Engine, plain: Engine
) -> None:
    for key in (1, 2, 3):
        assert ReadRouting(plain).fetch(BY_ID, {"id": key}) == ReadRouting(prepared).fetch(BY_ID, {"id": key})

    assert prepared_here(plain) == {}


def test_text_longer_than_the_column_finds_nothing_rather_than_failing(prepared: Engine) -> None:
    reads = ReadRouting(prepared)

    assert reads.fetch(BY_BODY, {"body": "x" * 1000}) == []
    assert [row.id for row in reads.fetch(BY_BODY, {"body": "two"})] == [2]
    assert reads.fetch(BY_BODY, {"body": "%(body)s %s 50%"}) == []  # the driver's placeholders, as data


def test_a_first_execution_that_fails_leaves_the_read_usable(prepared: Engine) -> None:
    reads = ReadRouting(prepared)

    with pytest.raises(Exception, match="division by zero"):
        reads.fetch(RATIO, {"top": 1, "bottom": 0})  # PREPARE stays although its EXECUTE failed

    assert [row.ratio for row in reads.fetch(RATIO, {"top": 12, "bottom": 4})] == [3]
    assert [row.ratio for row in reads.fetch(RATIO, {"top": 10, "bottom": 5})] == [2]


def test_a_migration_that_changes_what_a_read_returns_is_picked_up(prepared: Engine) -> None:
    reads = ReadRouting(prepared)
    assert [row.body for row in reads.fetch(BY_ID, {"id": 1})] == ["one"]

    with prepared.begin() as connection:
        connection.execute(text("ALTER TABLE notes ALTER COLUMN body TYPE text"))
        connection.execute(text("UPDATE notes SET body = repeat('long ', 5) WHERE id = 1"))

    assert [row.body for row in reads.fetch(BY_ID, {"id": 1})] == ["long " * 5]
    assert [row.body for row in reads.fetch(BY_ID, {"id": 1})] == ["long " * 5]


def test_a_session_that_loses_its_prepared_reads_goes_on_unprepared(
    prepared: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """What a transaction pooler nobody declared does: the next read lands on a session without the statement."""
    reads = ReadRouting(prepared)
    reads.fetch(BY_ID, {"id": 1})
    with prepared.connect() as connection:
        connection.execute(text("DEALLOCATE ALL"))

    with caplog.at_level(logging.WARNING, logger="adapters.sqlalchemy.routing"):
        answers = [reads.fetch(BY_ID, {"id": key}) for key in (1, 2)]

    assert [[row.body for row in rows] for rows in answers] == [["one"], ["two"]]
    assert prepared_here(prepared) == {}  # this connection no longer prepares
    assert ["transaction pooler" in record.getMessage() for record in caplog.records] == [True]


def test_first_pages_are_prepared_per_size_with_the_window_written_in_and_later_pages_run_plain(
    prepared: Engine,
) -> None:
    reads = ReadRouting(prepared)
    windows = [(1, 0), (2, 0), (1, 0), (1, 1), (5, 1), (2, 0)]

    pages = [[row.id for row in reads.fetch(PAGE, {"limit": limit, "offset": offset})] for limit, offset in windows]

    assert pages == [[1], [1, 2], [1], [2], [2], [1, 2]]
    statements = prepared_here_with_text(prepared)
    assert len(statements) == 2  # one per first-page size; none for offset 1
    assert all("LIMIT $" not in text_ and "OFFSET $" not in text_ for text_ in statements.values())
    assert {("LIMIT 1" in text_, "LIMIT 2" in text_) for text_ in statements.values()} == {(True, False), (False, True)}


def test_a_read_marked_not_to_be_prepared_never_is(prepared: Engine) -> None:
    reads = ReadRouting(prepared)

    bodies = [[row.body for row in reads.fetch(UNPREPARED, {"id": key})] for key in (1, 2, 1)]

    assert bodies == [["one"], ["two"], ["one"]]
    assert prepared_here(prepared) == {}


def test_a_connection_keeps_at_most_so_many_prepared_reads_dropping_the_least_recently_used(
    prepared: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routing, "PREPARED_PER_CONNECTION", 2)
    reads = ReadRouting(prepared)

    reads.fetch(BY_ID, {"id": 1})
    reads.fetch(BY_BODY, {"body": "one"})
    reads.fetch(BY_ID, {"id": 2})  # BY_ID is now the most recently used
    reads.fetch(RATIO, {"top": 4, "bottom": 2})  # the third: BY_BODY goes
    assert set(prepared_here(prepared)) == {BY_ID.name, RATIO.name}

    assert [row.id for row in reads.fetch(BY_BODY, {"body": "two"})] == [2]  # prepared again; BY_ID goes
    assert set(prepared_here(prepared)) == {RATIO.name, BY_BODY.name}


def prepared_here_with_text(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT name, statement FROM pg_prepared_statements")).all())
