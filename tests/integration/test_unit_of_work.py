"""The SQL unit of work on a real PostgreSQL: transaction boundaries and constraint names turned into domain errors."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import Engine, QueuePool, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import registry

from adapters.sqlalchemy.constraints import ERROR_BY_CONSTRAINT
from adapters.sqlalchemy.tables import follows, users
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.errors import CannotFollowSelf, DomainError, EmailTaken, UsernameTaken
from domain.follows import Follow
from domain.users import User
from tests.builders import NOW, a_user
from tests.integration.conftest import RecordingSessionmaker

pytestmark = pytest.mark.integration


@dataclass
class FollowRow:
    """Test-only ORM object for `follows`: its INSERT is sent by the flush inside commit(), not at once.

    The repository writes follows with an immediate Core INSERT and the domain refuses self-follows, so this is
    the way to have the database, at commit, reject a row the domain would never build.
    """

    follower_id: uuid.UUID
    followee_id: uuid.UUID
    created_at: datetime


@pytest.fixture(scope="module")
def follow_rows() -> Iterator[None]:
    rows = registry()
    rows.map_imperatively(FollowRow, follows)
    yield
    rows.dispose()


def committed(session_factory: RecordingSessionmaker, *new_users: User) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        for user in new_users:
            uow.users.add(user)
        uow.commit()


def count(engine: Engine, table_name: str) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text(f"SELECT count(*) FROM {table_name}")) or 0)  # noqa: S608 - fixed names


def usernames(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(users.c.username).order_by(users.c.username)))


# --- transaction boundaries ------------------------------------------------------------------------------------


def test_exception_inside_the_block_rolls_back_flushed_changes(
    session_factory: RecordingSessionmaker, clean_database: Engine
) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(session_factory, bob)

    with pytest.raises(RuntimeError, match="use case failed"), SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.users.add(alice)
        uow.follows.add(Follow(follower_id=alice.id, followee_id=bob.id, created_at=NOW))
        assert uow.follows.exists(alice.id, bob.id)  # both INSERTs have reached the database
        raise RuntimeError("use case failed")

    assert usernames(clean_database) == ["bob"]
    assert count(clean_database, "follows") == 0


def test_leaving_the_block_without_commit_rolls_back_flushed_changes(
    session_factory: RecordingSessionmaker, clean_database: Engine
) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.users.add(a_user(username="alice"))
        assert uow.users.find_by_username("alice") is not None  # the query flushes the INSERT

    assert count(clean_database, "users") == 0


def test_leaving_the_block_closes_the_session_and_returns_its_connection(
    session_factory: RecordingSessionmaker, clean_database: Engine
) -> None:
    pool = clean_database.pool
    assert isinstance(pool, QueuePool)
    checked_out_before = pool.checkedout()

    with pytest.raises(RuntimeError), SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.users.find_by_username("alice")
        assert pool.checkedout() == checked_out_before + 1
        raise RuntimeError

    assert pool.checkedout() == checked_out_before
    assert not session_factory.last.in_transaction()
    assert list(session_factory.last) == []


def test_each_block_gets_a_fresh_session(session_factory: RecordingSessionmaker) -> None:
    uow = SqlAlchemyUnitOfWork(session_factory)

    with uow:
        first = session_factory.last
    with uow:
        second = session_factory.last

    assert first is not second


# --- constraint names → domain errors --------------------------------------------------------------------------


def test_commit_raises_username_taken_for_uq_users_username(
    session_factory: RecordingSessionmaker, clean_database: Engine
) -> None:
    committed(session_factory, a_user(username="alice"))

    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.users.add(a_user(username="alice", email="other@example.com"))
        with pytest.raises(UsernameTaken) as raised:
            uow.commit()

        assert_clean_and_usable(uow, session_factory)
    assert constraint_of(raised.value) == "uq_users_username"
    assert usernames(clean_database) == ["alice", "carol"]


def test_commit_raises_email_taken_for_uq_users_email_lower(
    session_factory: RecordingSessionmaker, clean_database: Engine
) -> None:
    committed(session_factory, a_user(username="alice", email="alice@example.com"))

    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.users.add(a_user(username="bob", email="Alice@EXAMPLE.com"))
        with pytest.raises(EmailTaken) as raised:
            uow.commit()

        assert_clean_and_usable(uow, session_factory)
    assert constraint_of(raised.value) == "uq_users_email_lower"
    assert usernames(clean_database) == ["alice", "carol"]


def test_commit_raises_cannot_follow_self_for_ck_follows_not_self(
    session_factory: RecordingSessionmaker, clean_database: Engine, follow_rows: None
) -> None:
    alice = a_user(username="alice")
    committed(session_factory, alice)

    with SqlAlchemyUnitOfWork(session_factory) as uow:
        session_factory.last.add(FollowRow(follower_id=alice.id, followee_id=alice.id, created_at=NOW))
        with pytest.raises(CannotFollowSelf) as raised:
            uow.commit()

        assert_clean_and_usable(uow, session_factory)
    assert constraint_of(raised.value) == "ck_follows_not_self"
    assert count(clean_database, "follows") == 0


def test_follow_repository_raises_cannot_follow_self_for_ck_follows_not_self(
    session_factory: RecordingSessionmaker, clean_database: Engine
) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(session_factory, alice, bob)
    follow = Follow(follower_id=alice.id, followee_id=bob.id, created_at=NOW)
    follow.followee_id = alice.id  # around Follow.__post_init__, which refuses a self-follow

    with SqlAlchemyUnitOfWork(session_factory) as uow, pytest.raises(CannotFollowSelf) as raised:
        uow.follows.add(follow)
        uow.commit()

    assert constraint_of(raised.value) == "ck_follows_not_self"
    assert count(clean_database, "follows") == 0


def test_commit_reraises_integrity_error_for_a_constraint_without_a_domain_error(
    session_factory: RecordingSessionmaker, clean_database: Engine
) -> None:
    alice = a_user(username="alice")
    committed(session_factory, alice)

    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.users.add(a_user(username="bob", user_id=alice.id))  # same primary key: pk_users has no domain meaning
        with pytest.raises(IntegrityError) as raised:
            uow.commit()

        assert_clean_and_usable(uow, session_factory)
    assert constraint_name(raised.value) == "pk_users"
    assert usernames(clean_database) == ["alice", "carol"]


def test_every_constraint_the_unit_of_work_maps_exists_in_the_migrated_database(clean_database: Engine) -> None:
    query = text("SELECT conname FROM pg_constraint UNION SELECT indexname FROM pg_indexes")

    with clean_database.connect() as connection:
        names = set(connection.scalars(query))

    assert set(ERROR_BY_CONSTRAINT) <= names


def constraint_name(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def constraint_of(error: DomainError) -> str | None:
    cause = error.__cause__
    assert isinstance(cause, IntegrityError), "the domain error must chain the database error"
    return constraint_name(cause)


def assert_clean_and_usable(uow: SqlAlchemyUnitOfWork, session_factory: RecordingSessionmaker) -> None:
    """After a failed commit: nothing pending is left, and the same unit of work can read and commit again."""
    session = session_factory.last
    assert not session.new
    assert not session.dirty
    assert session.scalar(select(func.count()).select_from(users)) == 1
    uow.users.add(a_user(username="carol"))
    uow.commit()
