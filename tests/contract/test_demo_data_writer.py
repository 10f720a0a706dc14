"""What every DemoDataWriter promises (the bulk path of `conduit seed`), checked against each adapter.

Rows written in bulk must read back exactly as rows written through a unit of work would: through the query ports
the API uses, and through the repositories. A batch that breaks a rule is refused whole, with the domain error a
unit of work's commit would raise.
"""

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory.demo_data import InMemoryDemoDataWriter
from adapters.memory.queries import InMemoryProfileQueries
from adapters.sqlalchemy.demo_data import SqlDemoDataWriter
from adapters.sqlalchemy.queries import SqlProfileQueries
from application.ports import DemoDataWriter
from application.queries import ArticleFilter, ProfileQueries
from domain.errors import AlreadyExists, ArticleNotFound, EmailTaken, ProfileNotFound, Unauthenticated, UsernameTaken
from domain.ids import new_user_id
from domain.users import User
from tests.builders import NOW, a_user
from tests.contract.conftest import UnitOfWorkFactory
from tests.contract.test_article_repositories import (
    Readers,
    a_comment,
    a_favorite,
    a_follow,
    an_article,
    article_state,
    readers_for,
)

TRICKY_TEXT = 'Back\\slash, tab\there, "quotes", \\N, \\t literally,\nnew line,\r\nCRLF, émoji 🐉, {braces}'
TRICKY_TAGS = ["NULL", "a,b", "back\\slash", "machine learning", 'say "hi"', "{braces}"]  # sorted, as stored


@pytest.fixture
def writer(backend: str, request: pytest.FixtureRequest) -> DemoDataWriter:
    if backend == "memory":
        return InMemoryDemoDataWriter(request.getfixturevalue("store"))
    return SqlDemoDataWriter(request.getfixturevalue("clean_database"))


@pytest.fixture
def readers(backend: str, request: pytest.FixtureRequest) -> Readers:
    return readers_for(backend, request)


@pytest.fixture
def profiles(backend: str, request: pytest.FixtureRequest) -> ProfileQueries:
    if backend == "memory":
        return InMemoryProfileQueries(request.getfixturevalue("store"))
    return SqlProfileQueries(request.getfixturevalue("clean_database"))


def user_state(user: User | None) -> tuple[object, ...] | None:
    return None if user is None else tuple(getattr(user, f.name) for f in dataclasses.fields(User))


def test_a_new_store_is_empty_until_a_user_is_written(writer: DemoDataWriter) -> None:
    empty_before = writer.is_empty()

    writer.add_users([a_user()])

    assert empty_before
    assert not writer.is_empty()


def test_users_written_in_bulk_are_found_with_every_field_and_sign_in_by_email(
    writer: DemoDataWriter, make_uow: UnitOfWorkFactory
) -> None:
    alice = a_user(username="alice", email="Alice@Example.com", password_hash="$argon2id$v=19$...", bio=TRICKY_TEXT)
    bob = a_user(username="bob", image="https://example.com/bob.png", created_at=NOW + timedelta(microseconds=7))

    writer.add_users([alice, bob])

    with make_uow() as uow:
        found = [user_state(uow.users.find_by_id(alice.id)), user_state(uow.users.find_by_email("alice@example.com"))]
        found_bob = user_state(uow.users.find_by_username("bob"))
    assert found == [user_state(alice), user_state(alice)]
    assert found_bob == user_state(bob)


def test_articles_comments_favorites_and_follows_written_in_bulk_read_back_as_the_api_reads_them(
    writer: DemoDataWriter, readers: Readers, profiles: ProfileQueries, make_uow: UnitOfWorkFactory
) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    article = an_article(
        alice,
        title="Dragons, tabs and backslashes",
        description=TRICKY_TEXT,
        body=TRICKY_TEXT,
        tags=TRICKY_TAGS,
        created_at=datetime(2026, 1, 2, 3, 4, 5, 123000, tzinfo=UTC),
        updated_at=datetime(2026, 1, 3, 3, 4, 5, 456000, tzinfo=UTC),
    )
    untagged = an_article(bob, title="Nothing to see", tags=[], created_at=NOW)
    first, second = (
        a_comment(article, bob, body=TRICKY_TEXT, created_at=NOW),
        a_comment(article, alice, body="Thanks!", created_at=NOW + timedelta(minutes=1)),
    )

    writer.add_users([alice, bob])
    writer.add_follows([a_follow(bob, alice)])
    writer.add_articles([article, untagged])
    writer.add_comments([first, second])
    writer.add_favorites([a_favorite(alice, article), a_favorite(bob, article)])

    view = readers.articles.get_by_slug(article.slug, viewer_id=bob.id)
    comments = readers.comments.for_article(article.slug, viewer_id=None) or []
    with make_uow() as uow:
        stored = article_state(uow.articles.find_by_slug(article.slug))
    assert stored == article_state(article)
    assert (view.body, view.description, view.tags) == (TRICKY_TEXT, TRICKY_TEXT, tuple(TRICKY_TAGS))
    assert (view.created_at, view.updated_at) == (article.created_at, article.updated_at)
    assert (view.favorites_count, view.favorited, view.author.username, view.author.following) == (
        2,
        True,
        "alice",
        True,
    )
    assert [(c.body, c.author.username) for c in comments] == [("Thanks!", "alice"), (TRICKY_TEXT, "bob")]
    assert len({c.id for c in comments}) == 2
    assert list(readers.tags.all()) == TRICKY_TAGS
    assert readers.articles.search(ArticleFilter(tag="a,b"), viewer_id=None).count == 1
    assert readers.articles.search(ArticleFilter(favorited_by="bob"), viewer_id=None).count == 1
    assert readers.articles.feed(bob.id, limit=20, offset=0).count == 1
    profile = profiles.find("alice", viewer_id=bob.id)
    assert profile is not None
    assert profile.following


def test_a_batch_of_users_breaking_a_uniqueness_rule_is_refused_whole(
    writer: DemoDataWriter, make_uow: UnitOfWorkFactory
) -> None:
    writer.add_users([a_user(username="alice", email="alice@example.com")])
    newcomer = a_user(username="newcomer")

    with pytest.raises(UsernameTaken):
        writer.add_users([newcomer, a_user(username="alice", email="other@example.com")])
    with pytest.raises(EmailTaken):
        writer.add_users([newcomer, a_user(username="alice2", email="ALICE@example.com")])

    with make_uow() as uow:
        assert uow.users.find_by_username("newcomer") is None


@pytest.mark.parametrize(
    ("write", "error"),
    [
        (lambda w, known: w.add_articles([an_article(new_user_id())]), Unauthenticated),
        (lambda w, known: w.add_follows([a_follow(known, a_user())]), ProfileNotFound),
        (lambda w, known: w.add_comments([a_comment(an_article(known), known)]), ArticleNotFound),
        (lambda w, known: w.add_favorites([a_favorite(known, an_article(known))]), ArticleNotFound),
    ],
    ids=["article by an unknown author", "follow of an unknown user", "comment on", "favorite of an unknown article"],
)
def test_rows_pointing_at_nothing_are_refused_with_the_commit_error(
    writer: DemoDataWriter,
    readers: Readers,
    write: Callable[[DemoDataWriter, User], None],
    error: type[Exception],
) -> None:
    known = a_user(username="known")
    writer.add_users([known])

    with pytest.raises(error):
        write(writer, known)

    assert readers.articles.search(ArticleFilter(), viewer_id=None).count == 0


def test_a_repeated_follow_or_favorite_is_refused_whole(
    writer: DemoDataWriter, readers: Readers, profiles: ProfileQueries
) -> None:
    alice, bob, carol = a_user(username="alice"), a_user(username="bob"), a_user(username="carol")
    article = an_article(alice)
    writer.add_users([alice, bob, carol])
    writer.add_articles([article])
    writer.add_favorites([a_favorite(bob, article)])

    with pytest.raises(AlreadyExists):
        writer.add_follows([a_follow(carol, alice), a_follow(bob, alice), a_follow(bob, alice)])
    with pytest.raises(AlreadyExists):
        writer.add_favorites([a_favorite(carol, article), a_favorite(bob, article)])

    carol_sees_alice = profiles.find("alice", viewer_id=carol.id)
    assert carol_sees_alice is not None
    assert not carol_sees_alice.following
    assert readers.articles.get_by_slug(article.slug, viewer_id=None).favorites_count == 1


def test_an_empty_batch_writes_nothing(writer: DemoDataWriter) -> None:
    writer.add_users([])
    writer.add_articles([])

    assert writer.is_empty()
