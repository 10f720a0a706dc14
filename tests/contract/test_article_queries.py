"""What every ArticleQueries / CommentQueries / TagQueries adapter answers, checked against each of them.

Hand-picked cases first (parametrized over `memory` and `postgres` through conftest.py's `backend`), then the
strongest check: for random small worlds, the in-memory and the SQL adapters must give identical answers.
"""

import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import psycopg2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg2 import sql
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.sqlalchemy.database import build_engine, build_session_factory
from adapters.sqlalchemy.tables import metadata
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.paging import OFFSET_MAX, PAGE_SIZE_MAX
from application.queries import ArticleFilter
from application.views import ArticlePage, ArticleView, CommentView, ProfileView
from domain.errors import ArticleNotFound
from domain.ids import ArticleId, UserId, new_article_id
from domain.users import User
from entrypoints.database import upgrade
from tests.builders import NOW, a_user
from tests.contract.conftest import UnitOfWorkFactory
from tests.contract.test_article_repositories import (
    Readers,
    Stored,
    a_comment,
    a_favorite,
    a_follow,
    an_article,
    commit_all,
    memory_readers,
    readers_for,
    sql_readers,
)
from tests.postgres import PostgresServer


@pytest.fixture
def readers(backend: str, request: pytest.FixtureRequest) -> Readers:
    return readers_for(backend, request)


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def describe(criteria: ArticleFilter) -> str:
    filters = {"tag": criteria.tag, "author": criteria.author, "favorited_by": criteria.favorited_by}
    return ",".join(f"{name}={value}" for name, value in filters.items() if value is not None)


def titles(page: ArticlePage) -> list[str]:
    return [article.title for article in page.articles]


def search(readers: Readers, viewer: User | None = None, *, limit: int = 20, offset: int = 0, **by: str) -> ArticlePage:
    criteria = ArticleFilter(limit=limit, offset=offset, **by)
    return readers.articles.search(criteria, viewer_id=viewer.id if viewer else None)


# --- a small fixed world: alice and bob write, carol reads ------------------------------------------------------


@dataclass(frozen=True)
class Library:
    alice: User
    bob: User
    carol: User
    dave: User  # follows nobody, favorites nothing, writes nothing


@pytest.fixture
def library(make_uow: UnitOfWorkFactory) -> Library:
    alice = a_user(username="alice", bio="Alice writes.", image="https://example.com/alice.png")
    bob, carol, dave = a_user(username="bob"), a_user(username="carol"), a_user(username="dave")
    a1 = an_article(alice, title="A1", tags=["dragons", "training"], created_at=at(1), updated_at=at(10))
    a2 = an_article(alice, title="A2", tags=["python"], created_at=at(2))
    b1 = an_article(bob, title="B1", tags=["dragons"], created_at=at(3))
    b2 = an_article(bob, title="B2", tags=[], created_at=at(4))
    c1 = an_article(carol, title="C1", tags=["python", "training"], created_at=at(5))
    commit_all(
        make_uow,
        *(alice, bob, carol, dave, a1, a2, b1, b2, c1),
        *(a_favorite(carol, a1), a_favorite(bob, a1), a_favorite(alice, a1), a_favorite(carol, b1)),
        *(a_favorite(alice, c1), a_follow(carol, alice), a_follow(alice, bob)),
    )
    return Library(alice, bob, carol, dave)


# --- find / find_by_slug -----------------------------------------------------------------------------------------


def test_find_by_slug_shows_the_body_and_the_viewers_flags(readers: Readers, library: Library) -> None:
    slug = titles_to_slugs(readers)["A1"]

    seen_by_carol = readers.articles.find_by_slug(slug, viewer_id=library.carol.id)

    assert seen_by_carol == ArticleView(
        slug=slug,
        title="A1",
        description="Ever wonder how?",
        body="You have to believe.",
        tags=("dragons", "training"),
        created_at=at(1),
        updated_at=at(10),
        favorited=True,
        favorites_count=3,
        author=ProfileView(
            username="alice", bio="Alice writes.", image="https://example.com/alice.png", following=True
        ),
    )


@pytest.mark.parametrize(
    ("viewer", "favorited", "following"),
    [("carol", True, True), ("bob", True, False), ("dave", False, False), ("alice", True, False), (None, False, False)],
)
def test_find_by_slug_shows_favorited_and_following_as_each_viewer_sees_them(
    readers: Readers, library: Library, viewer: str | None, favorited: bool, following: bool
) -> None:
    slug = titles_to_slugs(readers)["A1"]
    viewer_id = getattr(library, viewer).id if viewer else None

    view = readers.articles.get_by_slug(slug, viewer_id=viewer_id)

    assert (view.favorited, view.author.following, view.favorites_count) == (favorited, following, 3)


def test_find_by_id_answers_as_find_by_slug(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author, fan = a_user(username="alice"), a_user(username="bob")
    article = an_article(author)
    commit_all(make_uow, author, fan, article, a_favorite(fan, article), a_follow(fan, author))

    by_id = readers.articles.find(article.id, viewer_id=fan.id)
    by_slug = readers.articles.find_by_slug(article.slug, viewer_id=fan.id)

    assert by_id is not None
    assert by_id == by_slug
    assert (by_id.favorited, by_id.favorites_count, by_id.author.following) == (True, 1, True)
    assert by_id.body == "You have to believe."


def test_article_nobody_favorited_has_a_count_of_zero(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author = a_user(username="alice")
    article = an_article(author)
    commit_all(make_uow, author, article)

    view = readers.articles.get_by_slug(article.slug, viewer_id=author.id)

    assert (view.favorited, view.favorites_count, view.author.following) == (False, 0, False)


def test_find_returns_none_and_get_raises_for_an_unknown_article(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author = a_user(username="alice")
    commit_all(make_uow, author, an_article(author, slug="known"))

    assert readers.articles.find(new_article_id(), viewer_id=None) is None
    assert readers.articles.find_by_slug("unknown", viewer_id=author.id) is None
    with pytest.raises(ArticleNotFound):
        readers.articles.get(new_article_id(), viewer_id=None)
    with pytest.raises(ArticleNotFound):
        readers.articles.get_by_slug("unknown", viewer_id=None)


def titles_to_slugs(readers: Readers) -> dict[str, str]:
    return {a.title: a.slug for a in readers.articles.search(ArticleFilter(limit=100), viewer_id=None).articles}


# --- search: filters ----------------------------------------------------------------------------------------------


def test_search_without_filters_lists_every_article_newest_first_without_bodies(
    readers: Readers, library: Library
) -> None:
    page = search(readers)

    assert titles(page) == ["C1", "B2", "B1", "A2", "A1"]
    assert page.count == 5
    assert all(article.body is None for article in page.articles)


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (ArticleFilter(tag="dragons"), ["B1", "A1"]),
        (ArticleFilter(tag="python"), ["C1", "A2"]),
        (ArticleFilter(author="alice"), ["A2", "A1"]),
        (ArticleFilter(author="dave"), []),
        (ArticleFilter(favorited_by="carol"), ["B1", "A1"]),
        (ArticleFilter(favorited_by="alice"), ["C1", "A1"]),
        (ArticleFilter(favorited_by="dave"), []),
        (ArticleFilter(tag="dragons", author="bob"), ["B1"]),
        (ArticleFilter(tag="training", favorited_by="alice"), ["C1", "A1"]),
        (ArticleFilter(author="alice", favorited_by="carol"), ["A1"]),
        (ArticleFilter(tag="dragons", author="alice", favorited_by="bob"), ["A1"]),
        (ArticleFilter(tag="python", favorited_by="carol"), []),
        (ArticleFilter(tag="python", author="bob"), []),
    ],
    ids=lambda value: describe(value) if isinstance(value, ArticleFilter) else None,
)
def test_search_filters_alone_and_combined(
    readers: Readers, library: Library, criteria: ArticleFilter, expected: list[str]
) -> None:
    page = readers.articles.search(criteria, viewer_id=None)

    assert titles(page) == expected
    assert page.count == len(expected)


@pytest.mark.parametrize(
    "criteria",
    [
        ArticleFilter(author="nobody"),
        ArticleFilter(favorited_by="nobody"),
        ArticleFilter(tag="unknown"),
        ArticleFilter(tag="dragons", author="nobody"),
        ArticleFilter(author="alice", favorited_by="nobody"),
        ArticleFilter(tag="Dragons"),  # tags compare exactly
        ArticleFilter(author="Alice"),  # so do usernames
    ],
    ids=describe,
)
def test_search_for_an_unknown_tag_or_username_is_an_empty_page(
    readers: Readers, library: Library, criteria: ArticleFilter
) -> None:
    page = readers.articles.search(criteria, viewer_id=library.carol.id)

    assert page == ArticlePage(articles=(), count=0)


def test_search_shows_each_viewers_flags_and_exact_favorite_counts(readers: Readers, library: Library) -> None:
    as_carol = search(readers, library.carol)
    anonymous = search(readers)

    assert [(a.title, a.favorited, a.author.following, a.favorites_count) for a in as_carol.articles] == [
        ("C1", False, False, 1),
        ("B2", False, False, 0),
        ("B1", True, False, 1),
        ("A2", False, True, 0),
        ("A1", True, True, 3),
    ]
    assert [(a.favorited, a.author.following) for a in anonymous.articles] == [(False, False)] * 5
    assert [a.favorites_count for a in anonymous.articles] == [1, 0, 1, 0, 3]


def test_search_items_carry_the_same_data_as_find_but_no_body(readers: Readers, library: Library) -> None:
    page = search(readers, library.carol)

    for item in page.articles:
        found = readers.articles.get_by_slug(item.slug, viewer_id=library.carol.id)
        assert item.body is None
        assert item == dataclasses.replace(found, body=None)


# --- search: windows and order ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [
        (2, 0, ["C1", "B2"]),
        (2, 2, ["B1", "A2"]),
        (2, 4, ["A1"]),
        (1, 1, ["B2"]),
        (5, 0, ["C1", "B2", "B1", "A2", "A1"]),
        (20, 3, ["A2", "A1"]),
        (3, 5, []),
        (1, 1000, []),
    ],
)
def test_limit_and_offset_choose_the_window_and_the_count_ignores_them(
    readers: Readers, library: Library, limit: int, offset: int, expected: list[str]
) -> None:
    page = search(readers, library.carol, limit=limit, offset=offset)

    assert titles(page) == expected
    assert page.count == 5


def test_windows_apply_after_the_filters(readers: Readers, library: Library) -> None:
    first = search(readers, tag="training", limit=1, offset=0)
    second = search(readers, tag="training", limit=1, offset=1)

    assert (titles(first), first.count) == (["C1"], 2)
    assert (titles(second), second.count) == (["A1"], 2)


@pytest.mark.parametrize(
    "criteria",
    [ArticleFilter(), ArticleFilter(tag="training"), ArticleFilter(author="alice"), ArticleFilter(favorited_by="bob")],
    ids=describe,
)
def test_the_widest_window_the_api_allows_is_an_empty_page_with_the_count(
    readers: Readers, library: Library, criteria: ArticleFilter
) -> None:
    # limit + offset is past a 32-bit integer: bounding a scan by it must not overflow
    widest = dataclasses.replace(criteria, limit=PAGE_SIZE_MAX, offset=OFFSET_MAX)

    page = readers.articles.search(widest, viewer_id=library.carol.id)
    feed = readers.articles.feed(library.carol.id, limit=PAGE_SIZE_MAX, offset=OFFSET_MAX)

    assert (page.articles, feed.articles) == ((), ())
    assert page.count == readers.articles.search(criteria, viewer_id=None).count > 0
    assert feed.count == 2


# Ids chosen so that signed and unsigned, and per-field, comparisons of UUIDs would disagree.
TIED_IDS = [
    ArticleId(uuid.UUID("80000000-0000-4000-8000-000000000000")),
    ArticleId(uuid.UUID("00000000-0000-4000-8000-000000000001")),
    ArticleId(uuid.UUID("ffffffff-0000-4000-8000-000000000000")),
    ArticleId(uuid.UUID("7fffffff-ffff-4fff-bfff-ffffffffffff")),
    ArticleId(uuid.UUID("00000000-0000-4000-ff00-000000000000")),
    ArticleId(uuid.UUID("00000000-ffff-4000-8000-000000000000")),
]


def test_articles_written_at_the_same_instant_are_ordered_by_id_descending(
    make_uow: UnitOfWorkFactory, readers: Readers
) -> None:
    author = a_user(username="alice")
    tied = [an_article(author, article_id=i, title=f"Tied {i}", created_at=at(5)) for i in TIED_IDS]
    older = an_article(author, title="Older", created_at=at(4))
    newer = an_article(author, title="Newer", created_at=at(6))
    # The same instant written in another zone is the same instant.
    also_tied = an_article(author, title="Tied at +02:00", created_at=at(5).astimezone(timezone(timedelta(hours=2))))
    commit_all(make_uow, author, *tied, older, newer, also_tied)
    expected_tied = [a.title for a in sorted([*tied, also_tied], key=lambda a: a.id, reverse=True)]

    page = search(readers, limit=100)
    one_by_one = [titles(search(readers, limit=1, offset=k)) for k in range(page.count)]

    assert titles(page) == ["Newer", *expected_tied, "Older"]
    assert [title for window in one_by_one for title in window] == titles(page)


# --- feed ---------------------------------------------------------------------------------------------------------


def test_feed_lists_only_followed_authors_newest_first_with_following_true(readers: Readers, library: Library) -> None:
    page = readers.articles.feed(library.carol.id, limit=20, offset=0)

    assert titles(page) == ["A2", "A1"]
    assert page.count == 2
    assert all(a.author.following and a.author.username == "alice" and a.body is None for a in page.articles)
    assert [(a.favorited, a.favorites_count) for a in page.articles] == [(False, 0), (True, 3)]


def test_feed_leaves_out_the_viewers_own_articles(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    commit_all(make_uow, alice, bob, an_article(alice, title="Mine"), an_article(bob, title="Theirs"))
    commit_all(make_uow, a_follow(alice, bob))

    assert titles(readers.articles.feed(alice.id, limit=20, offset=0)) == ["Theirs"]


def test_feed_windows_and_count(readers: Readers, library: Library) -> None:
    first = readers.articles.feed(library.alice.id, limit=1, offset=0)
    second = readers.articles.feed(library.alice.id, limit=1, offset=1)
    beyond = readers.articles.feed(library.alice.id, limit=1, offset=2)

    assert [(titles(p), p.count) for p in (first, second, beyond)] == [(["B2"], 2), (["B1"], 2), ([], 2)]


def test_feed_of_a_user_who_follows_nobody_is_empty(readers: Readers, library: Library) -> None:
    assert readers.articles.feed(library.dave.id, limit=20, offset=0) == ArticlePage(articles=(), count=0)
    assert readers.articles.feed(UserId(uuid.uuid4()), limit=20, offset=0) == ArticlePage(articles=(), count=0)


def test_feed_forgets_an_author_after_an_unfollow(
    make_uow: UnitOfWorkFactory, readers: Readers, library: Library
) -> None:
    with make_uow() as uow:
        uow.follows.remove(library.carol.id, library.alice.id)
        uow.commit()

    assert readers.articles.feed(library.carol.id, limit=20, offset=0) == ArticlePage(articles=(), count=0)


# --- comments -----------------------------------------------------------------------------------------------------


def test_comments_of_an_unknown_article_are_none(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author = a_user(username="alice")
    commit_all(make_uow, author, an_article(author, slug="known"))

    assert readers.comments.for_article("unknown", viewer_id=None) is None
    assert readers.comments.for_article("unknown", viewer_id=author.id) is None


def test_comments_of_an_article_without_comments_are_an_empty_list(
    make_uow: UnitOfWorkFactory, readers: Readers
) -> None:
    author = a_user(username="alice")
    article, other = an_article(author), an_article(author)
    commit_all(make_uow, author, article, other, a_comment(other, author))

    assert readers.comments.for_article(article.slug, viewer_id=None) == []
    assert readers.comments.for_article(article.slug, viewer_id=author.id) == []


def test_comments_are_listed_newest_first_with_ties_broken_by_id(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author = a_user(username="alice")
    article = an_article(author)
    first, third, second = (
        a_comment(article, author, body="first", created_at=at(1)),
        a_comment(article, author, body="third", created_at=at(3)),
        a_comment(article, author, body="second", created_at=at(2)),
    )
    tied_early, tied_late = (
        a_comment(article, author, body="tied, added first", created_at=at(4)),
        a_comment(article, author, body="tied, added second", created_at=at(4)),
    )
    commit_all(make_uow, author, article, first, third, second, tied_early, tied_late)

    listed = readers.comments.for_article(article.slug, viewer_id=None) or []

    assert [c.body for c in listed] == ["tied, added second", "tied, added first", "third", "second", "first"]
    assert [c.id for c in listed] == [tied_late.id, tied_early.id, third.id, second.id, first.id]


@pytest.mark.parametrize(("viewer", "following"), [("carol", True), ("alice", False), ("bob", False), (None, False)])
def test_comment_authors_are_shown_as_the_viewer_sees_them(
    make_uow: UnitOfWorkFactory, readers: Readers, viewer: str | None, following: bool
) -> None:
    alice = a_user(username="alice")
    bob = a_user(username="bob", bio="Bob's bio", image="https://example.com/bob.png")
    carol = a_user(username="carol")
    article = an_article(alice)
    comment = a_comment(article, bob, body="Great read", created_at=at(1))
    commit_all(make_uow, alice, bob, carol, article, comment, a_follow(carol, bob), a_follow(bob, alice))
    assert comment.id is not None
    viewer_id = {"alice": alice.id, "bob": bob.id, "carol": carol.id}[viewer] if viewer else None

    listed = readers.comments.for_article(article.slug, viewer_id=viewer_id)

    assert listed == [
        CommentView(
            id=comment.id,
            body="Great read",
            created_at=at(1),
            updated_at=at(1),
            author=ProfileView(
                username="bob", bio="Bob's bio", image="https://example.com/bob.png", following=following
            ),
        )
    ]


# --- tags ---------------------------------------------------------------------------------------------------------


def test_tags_are_every_tag_in_use_once_and_sorted(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author = a_user(username="alice")
    many = [f"tag{n:02d}" for n in range(15)]  # more than the old reference app's top 10
    commit_all(
        make_uow,
        author,
        an_article(author, tags=["b", "dragons"]),
        an_article(author, tags=["a", "b"]),
        an_article(author, tags=[]),
        *(an_article(author, tags=[tag, "b"]) for tag in many),
    )

    assert list(readers.tags.all()) == ["a", "b", "dragons", *many]


def test_tags_sort_by_code_point(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author = a_user(username="alice")
    tags = ["Zebra", "apple", "Émile", "émile", "b", "10", "9"]
    commit_all(make_uow, author, an_article(author, tags=sorted(tags)))

    assert list(readers.tags.all()) == sorted(tags)  # as domain.articles.normalize_tags orders an article's tagList


def test_tags_of_a_deleted_article_are_no_longer_listed(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author = a_user(username="alice")
    gone, kept = an_article(author, tags=["gone", "shared"]), an_article(author, tags=["kept", "shared"])
    commit_all(make_uow, author, gone, kept)

    with make_uow() as uow:
        uow.articles.remove(uow.articles.get_by_slug(gone.slug))
        uow.commit()

    assert list(readers.tags.all()) == ["kept", "shared"]


def test_tags_are_an_empty_list_when_there_are_no_articles(readers: Readers) -> None:
    assert list(readers.tags.all()) == []


# --- memory and postgres agree on random worlds ---------------------------------------------------------------------

TAGS = ("B", "a", "c", "é")  # mixed case and non-ASCII: one sort order for both adapters
USERNAMES = ("ann", "Bob", "cy", "dee")
STRANGER = UserId(uuid.UUID("00000000-0000-4000-8000-00000000beef"))  # a viewer id that is no user
FEW_INSTANTS = [NOW, NOW + timedelta(microseconds=1), NOW + timedelta(days=1), NOW - timedelta(seconds=1)]


@dataclass(frozen=True)
class ArticleSpec:
    id: ArticleId
    author: int
    tags: tuple[str, ...]
    created_at: datetime
    edited_after: timedelta


@dataclass(frozen=True)
class World:
    user_ids: tuple[UserId, ...]
    articles: tuple[ArticleSpec, ...]
    follows: frozenset[tuple[int, int]]
    favorites: frozenset[tuple[int, int]]  # (user, article)

    def entities(self) -> list[Stored]:
        """Fresh objects on every call: each adapter gets its own."""
        users = [
            User(
                id=user_id,
                username=USERNAMES[n],
                email=f"{USERNAMES[n]}@example.com",
                password_hash="not-a-real-hash",
                bio=None if n % 2 else f"bio of {USERNAMES[n]}",
                image=None if n % 3 else f"https://example.com/{n}.png",
                created_at=NOW,
                updated_at=NOW,
            )
            for n, user_id in enumerate(self.user_ids)
        ]
        articles = [
            an_article(
                users[spec.author],
                article_id=spec.id,
                title=f"Article {k}",
                body=f"Body {k}",
                description=f"About {k}",
                tags=spec.tags,
                created_at=spec.created_at,
                updated_at=spec.created_at + spec.edited_after,
            )
            for k, spec in enumerate(self.articles)
        ]
        follows = [a_follow(users[a], users[b]) for a, b in sorted(self.follows)]
        favorites = [a_favorite(users[u], articles[k]) for u, k in sorted(self.favorites)]
        return [*users, *articles, *follows, *favorites]

    def viewer_id(self, viewer: int | None) -> UserId | None:
        if viewer is None:
            return None
        return self.user_ids[viewer] if viewer < len(self.user_ids) else STRANGER


instants = st.one_of(
    st.sampled_from(FEW_INSTANTS),  # ties are likely
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    user_ids = draw(st.lists(st.uuids(version=4), min_size=1, max_size=len(USERNAMES), unique=True))
    users = st.integers(0, len(user_ids) - 1)
    article_ids = draw(st.lists(st.uuids(version=4), max_size=8, unique=True))
    specs = tuple(
        ArticleSpec(
            id=ArticleId(article_id),
            author=draw(users),
            tags=tuple(sorted(draw(st.sets(st.sampled_from(TAGS), max_size=3)))),
            created_at=draw(instants),
            edited_after=draw(st.sampled_from([timedelta(0), timedelta(microseconds=1), timedelta(hours=5)])),
        )
        for article_id in article_ids
    )
    follows = {(a, b) for a, b in draw(st.sets(st.tuples(users, users), max_size=6)) if a != b}
    favorites = draw(st.sets(st.tuples(users, st.integers(0, len(specs) - 1)), max_size=12)) if specs else frozenset()
    return World(tuple(UserId(u) for u in user_ids), specs, frozenset(follows), frozenset(favorites))


@dataclass(frozen=True)
class Question:
    criteria: ArticleFilter
    viewer: int | None  # an index into the world's users; past the end means a viewer id that is no user


questions = st.builds(
    Question,
    criteria=st.builds(
        ArticleFilter,
        tag=st.none() | st.sampled_from((*TAGS, "zz")),
        author=st.none() | st.sampled_from((*USERNAMES, "nobody")),
        favorited_by=st.none() | st.sampled_from((*USERNAMES, "nobody")),
        limit=st.integers(1, 10),
        offset=st.integers(0, 10),
    ),
    viewer=st.none() | st.integers(0, len(USERNAMES)),
)


def truncate_all(engine: Engine) -> None:
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))


def answers(readers: Readers, world: World, asked: list[Question]) -> list[object]:
    """Everything the read ports say about this world, for these questions."""
    viewers = [None, *range(len(world.user_ids) + 1)]
    result: list[object] = [readers.tags.all()]
    for question in asked:
        viewer_id = world.viewer_id(question.viewer)
        page = readers.articles.search(question.criteria, viewer_id=viewer_id)
        assert all(article.body is None for article in page.articles)
        result.append(page)
        if viewer_id is not None:
            limit, offset = question.criteria.limit, question.criteria.offset
            result.append(readers.articles.feed(viewer_id, limit=limit, offset=offset))
    for spec in world.articles:
        for viewer in viewers:
            found = readers.articles.find(spec.id, viewer_id=world.viewer_id(viewer))
            assert found is not None
            assert found.body is not None
            result.append(found)
            result.append(readers.articles.find_by_slug(found.slug, viewer_id=world.viewer_id(viewer)))
    return result


@pytest.mark.integration
@settings(max_examples=25, deadline=None)
@given(world=worlds(), asked=st.lists(questions, min_size=1, max_size=8))
def test_memory_and_postgres_give_identical_answers_for_any_world(
    mappers: None, engine: Engine, world: World, asked: list[Question]
) -> None:
    store = InMemoryStore()
    commit_all(lambda: InMemoryUnitOfWork(store), *world.entities())
    truncate_all(engine)  # each example starts from an empty database
    try:
        session_factory = build_session_factory(engine)
        commit_all(lambda: SqlAlchemyUnitOfWork(session_factory), *world.entities())

        from_memory = answers(memory_readers(store), world, asked)
        from_postgres = answers(sql_readers(engine), world, asked)
    finally:
        truncate_all(engine)

    assert from_postgres == from_memory


@pytest.mark.integration
def test_memory_and_postgres_agree_on_a_world_with_every_kind_of_tie(mappers: None, engine: Engine) -> None:
    """A fixed example of the property above, so a failure there has a readable twin here."""
    ids = tuple(UserId(uuid.UUID(int=n)) for n in (3, 1, 2))
    world = World(
        user_ids=ids,
        articles=tuple(
            ArticleSpec(
                ArticleId(article_id), author=k % 3, tags=TAGS[: k % 4], created_at=NOW, edited_after=timedelta(0)
            )
            for k, article_id in enumerate(TIED_IDS)
        ),
        follows=frozenset({(0, 1), (1, 2), (2, 0)}),
        favorites=frozenset({(0, 0), (1, 0), (2, 3), (0, 5)}),
    )
    asked = [
        Question(ArticleFilter(limit=3, offset=1), viewer=0),
        Question(ArticleFilter(tag="a", favorited_by="ann"), viewer=None),
        Question(ArticleFilter(author="Bob", limit=1, offset=1), viewer=3),
    ]
    store = InMemoryStore()
    commit_all(lambda: InMemoryUnitOfWork(store), *world.entities())
    truncate_all(engine)
    try:
        session_factory = build_session_factory(engine)
        commit_all(lambda: SqlAlchemyUnitOfWork(session_factory), *world.entities())
        from_memory = answers(memory_readers(store), world, asked)
        from_postgres = answers(sql_readers(engine), world, asked)
    finally:
        truncate_all(engine)

    assert from_postgres == from_memory


# --- Postgres: the tag order must not depend on the server's collation ----------------------------------------------


@pytest.fixture
def linguistic_database(pg_server: PostgresServer) -> Iterator[Engine]:
    """A database whose default collation sorts like a dictionary (en-US), as the official postgres image's
    clusters do (LANG=en_US.utf8), migrated to head."""
    name = f"conduit_icu_{uuid.uuid4().hex[:12]}"
    admin = make_url(pg_server.admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'").format(
                    sql.Identifier(name)
                )
            )
    finally:
        connection.close()
    url = make_url(pg_server.admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        engine = build_engine(url)
        yield engine
        engine.dispose()
    finally:
        pg_server.drop_database(url)


@pytest.mark.integration
def test_postgres_tags_sort_by_code_point_whatever_the_database_collation(
    mappers: None, linguistic_database: Engine
) -> None:
    tags = sorted(["Zebra", "apple", "Émile", "émile", "b"])  # as normalize_tags stores an article's tagList
    author = a_user(username="alice")
    session_factory = build_session_factory(linguistic_database)
    commit_all(lambda: SqlAlchemyUnitOfWork(session_factory), author, an_article(author, tags=tags))
    store = InMemoryStore()
    commit_all(
        lambda: InMemoryUnitOfWork(store), a_user(user_id=author.id, username="alice"), an_article(author, tags=tags)
    )

    from_postgres = list(sql_readers(linguistic_database).tags.all())

    assert list(memory_readers(store).tags.all()) == ["Zebra", "apple", "b", "Émile", "émile"]
    assert from_postgres == ["Zebra", "apple", "b", "Émile", "émile"]
