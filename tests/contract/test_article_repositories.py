"""What every article / comment / favorite repository promises, checked against each adapter.

Fixtures come from conftest.py (`backend`, `make_uow`, `store`); `readers` below gives the query ports over the
same storage, so a write made through a unit of work can be checked the way the API reads it.

The builders here differ from tests/builders.py on purpose: they take raw ids (a parent that does not exist), an
explicit slug (clashes) and tags as given; test_article_queries.py and tests/integration/test_statement_counts.py
reuse them.
"""

import dataclasses
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from adapters.memory.queries import InMemoryArticleQueries, InMemoryCommentQueries, InMemoryTagQueries
from adapters.memory.store import InMemoryStore
from adapters.sqlalchemy.queries import SqlArticleQueries, SqlCommentQueries, SqlTagQueries
from application.queries import ArticleFilter, ArticleQueries, CommentQueries, TagQueries
from domain.articles import Article, slugify
from domain.comments import Comment
from domain.errors import ArticleNotFound, SlugTaken
from domain.favorites import Favorite
from domain.follows import Follow
from domain.ids import ArticleId, CommentId, UserId, new_article_id
from domain.users import User
from tests.builders import NOW, a_user
from tests.contract.conftest import UnitOfWorkFactory

LATER = NOW + timedelta(hours=1)
Stored = User | Article | Comment | Follow | Favorite


# --- builders and helpers (also imported by the query and statement-count tests) ---------------------------------


def an_article(
    author: User | UserId,
    *,
    article_id: ArticleId | None = None,
    title: str = "How to train your dragon",
    slug: str | None = None,
    description: str = "Ever wonder how?",
    body: str = "You have to believe.",
    tags: Iterable[str] = ("dragons", "training"),
    created_at: datetime = NOW,
    updated_at: datetime | None = None,
) -> Article:
    article_id = article_id if article_id is not None else new_article_id()
    return Article(
        id=article_id,
        author_id=author.id if isinstance(author, User) else author,
        slug=slug if slug is not None else slugify(title, article_id),
        title=title,
        description=description,
        body=body,
        tags=list(tags),
        created_at=created_at,
        updated_at=updated_at if updated_at is not None else created_at,
    )


def a_comment(
    article: Article | ArticleId, author: User | UserId, *, body: str = "Nice!", created_at: datetime = NOW
) -> Comment:
    return Comment(
        article_id=article.id if isinstance(article, Article) else article,
        author_id=author.id if isinstance(author, User) else author,
        body=body,
        created_at=created_at,
        updated_at=created_at,
    )


def a_favorite(user: User | UserId, article: Article | ArticleId) -> Favorite:
    return Favorite(
        user_id=user.id if isinstance(user, User) else user,
        article_id=article.id if isinstance(article, Article) else article,
        created_at=NOW,
    )


def a_follow(follower: User, followee: User) -> Follow:
    return Follow(follower_id=follower.id, followee_id=followee.id, created_at=NOW)


def commit_all(make_uow: UnitOfWorkFactory, *things: Stored) -> None:
    """Write users, then articles, then the rest, each kind in its own committed unit of work (the order the
    foreign keys need)."""
    kinds: tuple[type[Stored], ...] = (User, Article, Comment, Follow, Favorite)
    for kind in kinds:
        batch = [thing for thing in things if isinstance(thing, kind)]
        if not batch:
            continue
        with make_uow() as uow:
            for thing in batch:
                if isinstance(thing, User):
                    uow.users.add(thing)
                elif isinstance(thing, Article):
                    uow.articles.add(thing)
                elif isinstance(thing, Comment):
                    uow.comments.add(thing)
                elif isinstance(thing, Follow):
                    uow.follows.add(thing)
                else:
                    uow.favorites.add(thing)
            uow.commit()


def article_state(article: Article | None) -> tuple[object, ...] | None:
    """Every field, so two articles compare by content (Article.__eq__ compares ids only)."""
    return None if article is None else tuple(getattr(article, f.name) for f in dataclasses.fields(Article))


def comment_state(comment: Comment | None) -> tuple[object, ...] | None:
    return None if comment is None else tuple(getattr(comment, f.name) for f in dataclasses.fields(Comment))


@dataclass(frozen=True)
class Readers:
    articles: ArticleQueries
    comments: CommentQueries
    tags: TagQueries


def memory_readers(store: InMemoryStore) -> Readers:
    return Readers(InMemoryArticleQueries(store), InMemoryCommentQueries(store), InMemoryTagQueries(store))


def sql_readers(engine: Engine) -> Readers:
    return Readers(SqlArticleQueries(engine), SqlCommentQueries(engine), SqlTagQueries(engine))


def readers_for(backend: str, request: pytest.FixtureRequest) -> Readers:
    """The query ports reading the storage that `make_uow` writes to, in the same test."""
    if backend == "memory":
        return memory_readers(request.getfixturevalue("store"))
    return sql_readers(request.getfixturevalue("clean_database"))


@pytest.fixture
def readers(backend: str, request: pytest.FixtureRequest) -> Readers:
    return readers_for(backend, request)


def favorites_count(readers: Readers, slug: str, viewer_id: UserId | None = None) -> int:
    return readers.articles.get_by_slug(slug, viewer_id=viewer_id).favorites_count


# --- articles: add, find, edit, remove --------------------------------------------------------------------------


def test_committed_article_is_found_by_slug_with_every_field_in_a_new_unit_of_work(
    make_uow: UnitOfWorkFactory,
) -> None:
    author = a_user(username="alice")
    article = an_article(
        author,
        title="Dragons",
        description="All about dragons",
        body="Line one.\nLine two.",
        tags=["dragons", "training", "zoology"],
        created_at=datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
        updated_at=datetime(2026, 1, 3, 3, 4, 5, 654321, tzinfo=UTC),
    )
    expected = article_state(article)
    commit_all(make_uow, author, article)

    with make_uow() as uow:
        found = uow.articles.find_by_slug(article.slug)
        state = article_state(found)
        offsets = (found.created_at.utcoffset(), found.updated_at.utcoffset()) if found else None

    assert state == expected
    assert offsets is not None
    assert None not in offsets


def test_find_by_slug_returns_none_and_get_by_slug_raises_for_an_unknown_slug(make_uow: UnitOfWorkFactory) -> None:
    author = a_user(username="alice")
    commit_all(make_uow, author, an_article(author, slug="known"))

    with make_uow() as uow:
        found = uow.articles.find_by_slug("unknown")
        with pytest.raises(ArticleNotFound):
            uow.articles.get_by_slug("unknown")

    assert found is None


def test_article_without_tags_is_found_with_an_empty_tag_list(make_uow: UnitOfWorkFactory) -> None:
    author = a_user(username="alice")
    article = an_article(author, tags=[])
    commit_all(make_uow, author, article)

    with make_uow() as uow:
        tags = uow.articles.get_by_slug(article.slug).tags

    assert tags == []


def test_uncommitted_article_is_not_visible_to_another_unit_of_work_nor_to_the_queries(
    make_uow: UnitOfWorkFactory, readers: Readers
) -> None:
    author = a_user(username="alice")
    commit_all(make_uow, author)
    article = an_article(author)

    with make_uow() as writer:
        writer.articles.add(article)
        assert writer.articles.find_by_slug(article.slug) is article  # with SQL this also flushes the INSERT
        with make_uow() as reader:
            seen_by_uow = reader.articles.find_by_slug(article.slug)
        seen_by_queries = readers.articles.find_by_slug(article.slug, viewer_id=None)

    with make_uow() as uow:
        after_rollback = uow.articles.find_by_slug(article.slug)

    assert (seen_by_uow, seen_by_queries, after_rollback) == (None, None, None)


def test_edit_to_a_loaded_article_is_discarded_without_commit(make_uow: UnitOfWorkFactory) -> None:
    author = a_user(username="alice")
    article = an_article(author, title="Old title", tags=["old"])
    original = article_state(article)
    commit_all(make_uow, author, article)

    with make_uow() as uow:
        loaded = uow.articles.get_by_slug(article.slug)
        loaded.edit(editor_id=author.id, now=LATER, title="New title", body="New body", tags=["new"])

    with make_uow() as uow:
        assert article_state(uow.articles.find_by_slug(article.slug)) == original
        assert uow.articles.find_by_slug(slugify("New title", article.id)) is None


def test_edit_to_a_loaded_article_is_saved_by_commit_under_its_new_slug(
    make_uow: UnitOfWorkFactory, readers: Readers
) -> None:
    author = a_user(username="alice")
    article = an_article(author, title="Old title", tags=["old"])
    commit_all(make_uow, author, article)

    with make_uow() as uow:
        loaded = uow.articles.get_by_slug(article.slug)
        loaded.edit(
            editor_id=author.id, now=LATER, title="New title", description="New", body="New body", tags=["b", "a"]
        )
        new_slug = loaded.slug
        uow.commit()

    with make_uow() as uow:
        saved = uow.articles.get_by_slug(new_slug)
        old = uow.articles.find_by_slug(article.slug)
        assert (saved.id, saved.title, saved.description, saved.body) == (article.id, "New title", "New", "New body")
        assert saved.tags == ["a", "b"]
        assert (saved.created_at, saved.updated_at) == (NOW, LATER)
    assert old is None
    assert new_slug == slugify("New title", article.id)
    assert list(readers.tags.all()) == ["a", "b"]


def test_removed_article_is_kept_without_commit(make_uow: UnitOfWorkFactory) -> None:
    author = a_user(username="alice")
    article = an_article(author)
    commit_all(make_uow, author, article)

    with make_uow() as uow:
        uow.articles.remove(uow.articles.get_by_slug(article.slug))
        assert uow.articles.find_by_slug(article.slug) is None

    with make_uow() as uow:
        assert article_state(uow.articles.find_by_slug(article.slug)) == article_state(article)


def test_removed_article_is_gone_after_commit(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author = a_user(username="alice")
    article, other = an_article(author, tags=["gone"]), an_article(author, tags=["kept"])
    commit_all(make_uow, author, article, other)

    with make_uow() as uow:
        uow.articles.remove(uow.articles.get_by_slug(article.slug))
        uow.commit()

    with make_uow() as uow:
        assert uow.articles.find_by_slug(article.slug) is None
        assert uow.articles.find_by_slug(other.slug) is not None
    assert readers.articles.find(article.id, viewer_id=None) is None
    assert readers.articles.find_by_slug(article.slug, viewer_id=None) is None
    assert readers.articles.search(ArticleFilter(), viewer_id=None).count == 1
    assert list(readers.tags.all()) == ["kept"]


def test_removing_an_article_removes_its_comments_and_favorites(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    alice, bob, carol = a_user(username="alice"), a_user(username="bob"), a_user(username="carol")
    article, other = an_article(alice), an_article(alice)
    comment, other_comment = a_comment(article, bob), a_comment(other, bob)
    commit_all(
        make_uow,
        *(alice, bob, carol, article, other, comment, other_comment),
        *(a_favorite(bob, article), a_favorite(carol, article), a_favorite(bob, other)),
    )
    assert comment.id is not None
    assert favorites_count(readers, article.slug) == 2

    with make_uow() as uow:
        uow.articles.remove(uow.articles.get_by_slug(article.slug))
        uow.commit()

    assert readers.comments.for_article(article.slug, viewer_id=None) is None
    assert readers.articles.search(ArticleFilter(favorited_by="bob"), viewer_id=None).count == 1
    assert readers.articles.search(ArticleFilter(favorited_by="carol"), viewer_id=None).count == 0
    with make_uow() as uow:
        assert uow.comments.find(comment.id, article_id=article.id) is None
    # The same article written again starts with no comments and no favorites: the old rows are gone, not hidden.
    commit_all(make_uow, an_article(alice, article_id=article.id, slug=article.slug))
    assert readers.comments.for_article(article.slug, viewer_id=None) == []
    assert readers.articles.get_by_slug(article.slug, viewer_id=bob.id).favorited is False
    assert favorites_count(readers, article.slug) == 0
    # ... and the other article keeps its own.
    assert [c.id for c in readers.comments.for_article(other.slug, viewer_id=None) or []] == [other_comment.id]
    assert favorites_count(readers, other.slug) == 1


def test_commit_raises_slug_taken_when_the_slug_exists(make_uow: UnitOfWorkFactory) -> None:
    author = a_user(username="alice")
    original = an_article(author, slug="dragons", title="Original")
    commit_all(make_uow, author, original)
    clash = an_article(author, slug="dragons", title="Clash")

    with make_uow() as uow:
        uow.articles.add(clash)
        with pytest.raises(SlugTaken):
            uow.commit()

    with make_uow() as uow:
        assert article_state(uow.articles.find_by_slug("dragons")) == article_state(original)


def test_commit_raises_slug_taken_when_two_new_articles_share_a_slug(make_uow: UnitOfWorkFactory) -> None:
    author = a_user(username="alice")
    commit_all(make_uow, author)

    with make_uow() as uow:
        uow.articles.add(an_article(author, slug="twins", title="One"))
        uow.articles.add(an_article(author, slug="twins", title="Two"))
        with pytest.raises(SlugTaken):
            uow.commit()

    with make_uow() as uow:
        assert uow.articles.find_by_slug("twins") is None


# --- comments -----------------------------------------------------------------------------------------------------


def test_added_comments_get_distinct_increasing_integer_ids(make_uow: UnitOfWorkFactory) -> None:
    author = a_user(username="alice")
    article, other = an_article(author), an_article(author)
    commit_all(make_uow, author, article, other)
    comments = [a_comment(article, author), a_comment(other, author), a_comment(article, author)]

    with make_uow() as uow:
        for comment in comments[:2]:
            uow.comments.add(comment)
        uow.commit()
    with make_uow() as uow:
        uow.comments.add(comments[2])
        uow.commit()

    ids = [comment.id for comment in comments]
    assert all(isinstance(comment_id, int) for comment_id in ids)
    assert ids == sorted({comment_id for comment_id in ids if comment_id is not None})


def test_add_assigns_the_id_before_commit(make_uow: UnitOfWorkFactory) -> None:
    author = a_user(username="alice")
    article = an_article(author)
    commit_all(make_uow, author, article)
    comment = a_comment(article, author)

    with make_uow() as uow:
        uow.comments.add(comment)
        assigned = comment.id
        assert assigned is not None
        found = uow.comments.find(assigned, article_id=article.id)

    assert found is comment


def test_committed_comment_is_found_by_id_on_its_article_only(make_uow: UnitOfWorkFactory) -> None:
    author = a_user(username="alice")
    article, other = an_article(author), an_article(author)
    comment = a_comment(article, author, body="First!")
    commit_all(make_uow, author, article, other, comment)
    assert comment.id is not None

    with make_uow() as uow:
        found = uow.comments.find(comment.id, article_id=article.id)
        elsewhere = uow.comments.find(comment.id, article_id=other.id)
        unknown = uow.comments.find(CommentId(comment.id + 1000), article_id=article.id)
        state = comment_state(found)

    assert state == comment_state(comment)
    assert (elsewhere, unknown) == (None, None)


def test_removed_comment_is_gone_after_commit_and_kept_without_commit(
    make_uow: UnitOfWorkFactory, readers: Readers
) -> None:
    author = a_user(username="alice")
    article = an_article(author)
    gone, kept = a_comment(article, author, body="Gone"), a_comment(article, author, body="Kept")
    commit_all(make_uow, author, article, gone, kept)
    assert gone.id is not None
    assert kept.id is not None

    with make_uow() as uow:
        uow.comments.remove(uow.comments.get(gone.id, article_id=article.id))
    with make_uow() as uow:
        assert uow.comments.find(gone.id, article_id=article.id) is not None
        uow.comments.remove(uow.comments.get(gone.id, article_id=article.id))
        uow.commit()

    with make_uow() as uow:
        assert uow.comments.find(gone.id, article_id=article.id) is None
        assert uow.comments.find(kept.id, article_id=article.id) is not None
    assert [c.body for c in readers.comments.for_article(article.slug, viewer_id=None) or []] == ["Kept"]


def test_comment_on_an_article_that_does_not_exist_raises_article_not_found(make_uow: UnitOfWorkFactory) -> None:
    author = a_user(username="alice")
    commit_all(make_uow, author)
    deleted_article = new_article_id()

    # Postgres reports the foreign key at the flush inside `add`; the fake checks at commit.
    with make_uow() as uow, pytest.raises(ArticleNotFound):
        uow.comments.add(a_comment(deleted_article, author))
        uow.commit()


# --- favorites ----------------------------------------------------------------------------------------------------


def test_adding_a_favorite_twice_counts_it_once(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author, fan = a_user(username="alice"), a_user(username="bob")
    article = an_article(author)
    commit_all(make_uow, author, fan, article)

    with make_uow() as uow:
        uow.favorites.add(a_favorite(fan, article))
        uow.favorites.add(a_favorite(fan, article))
        uow.commit()
    with make_uow() as uow:
        uow.favorites.add(a_favorite(fan, article))
        uow.commit()

    view = readers.articles.get_by_slug(article.slug, viewer_id=fan.id)
    assert (view.favorited, view.favorites_count) == (True, 1)


def test_removing_a_favorite_twice_removes_it(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author, fan, other_fan = a_user(username="alice"), a_user(username="bob"), a_user(username="carol")
    article = an_article(author)
    commit_all(make_uow, author, fan, other_fan, article, a_favorite(fan, article), a_favorite(other_fan, article))

    with make_uow() as uow:
        uow.favorites.remove(fan.id, article.id)
        uow.favorites.remove(fan.id, article.id)
        uow.commit()
    with make_uow() as uow:
        uow.favorites.remove(fan.id, article.id)
        uow.commit()

    view = readers.articles.get_by_slug(article.slug, viewer_id=fan.id)
    assert (view.favorited, view.favorites_count) == (False, 1)


def test_removing_a_favorite_that_does_not_exist_changes_nothing(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author, fan = a_user(username="alice"), a_user(username="bob")
    article = an_article(author)
    commit_all(make_uow, author, fan, article, a_favorite(fan, article))

    with make_uow() as uow:
        uow.favorites.remove(author.id, article.id)
        uow.favorites.remove(UserId(uuid.uuid4()), new_article_id())
        uow.commit()

    assert favorites_count(readers, article.slug) == 1


def test_favorite_and_its_removal_are_discarded_without_commit(make_uow: UnitOfWorkFactory, readers: Readers) -> None:
    author, fan, other_fan = a_user(username="alice"), a_user(username="bob"), a_user(username="carol")
    article = an_article(author)
    commit_all(make_uow, author, fan, other_fan, article, a_favorite(other_fan, article))

    with make_uow() as uow:
        uow.favorites.add(a_favorite(fan, article))
        uow.favorites.remove(other_fan.id, article.id)

    assert readers.articles.get_by_slug(article.slug, viewer_id=fan.id).favorited is False
    assert readers.articles.get_by_slug(article.slug, viewer_id=other_fan.id).favorited is True
    assert favorites_count(readers, article.slug) == 1


def test_favorite_of_an_article_that_does_not_exist_raises_article_not_found(make_uow: UnitOfWorkFactory) -> None:
    fan = a_user(username="bob")
    commit_all(make_uow, fan)
    deleted_article = new_article_id()

    # Postgres reports the foreign key at the INSERT inside `add`; the fake checks at commit.
    with make_uow() as uow, pytest.raises(ArticleNotFound):
        uow.favorites.add(a_favorite(fan, deleted_article))
        uow.commit()


def test_favorite_of_an_article_added_in_the_same_unit_of_work_is_committed_with_it(
    make_uow: UnitOfWorkFactory, readers: Readers
) -> None:
    author = a_user(username="alice")
    commit_all(make_uow, author)
    article = an_article(author)

    with make_uow() as uow:
        uow.articles.add(article)
        uow.favorites.add(a_favorite(author, article))
        uow.commit()

    view = readers.articles.get_by_slug(article.slug, viewer_id=author.id)
    assert (view.favorited, view.favorites_count) == (True, 1)
