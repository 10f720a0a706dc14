"""The SQL read ports cost a fixed number of statements, whatever the page size and whoever the viewer.

A regression to one query per row (an N+1 for authors, tags, favorites or follows) makes the count grow with
the page, which these tests catch by comparing limit=1 with limit=50 and by pinning the exact number.
"""

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from adapters.sqlalchemy.database import build_session_factory
from adapters.sqlalchemy.queries import SqlArticleQueries, SqlCommentQueries, SqlTagQueries
from adapters.sqlalchemy.tables import metadata
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.queries import ArticleFilter
from application.views import ArticlePage
from domain.articles import Article
from domain.ids import UserId
from domain.users import User
from tests.builders import NOW, a_user
from tests.contract.test_article_repositories import Stored, a_comment, a_favorite, a_follow, an_article, commit_all

pytestmark = pytest.mark.integration

PAGE_STATEMENTS = 1  # the page, its total (from the counters) in the same statement
ONE_ARTICLE_STATEMENTS = 1
COMMENTS_STATEMENTS = 1
TAGS_STATEMENTS = 1
ARTICLES = 60
TAGS = ("dragons", "training", "python", "sql")


@contextlib.contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statements_for(engine: Engine, call: Callable[[], object]) -> int:
    with counting_statements(engine) as statements:
        call()
    return len(statements)


@dataclass(frozen=True)
class Seeded:
    engine: Engine
    authors: tuple[User, ...]
    viewer: User  # favorites every third article, follows two of the five authors
    fan: User  # favorites every other article, follows every author
    articles: tuple[Article, ...]
    one_comment: Article
    thirty_comments: Article
    no_comments: Article


@pytest.fixture(scope="module")
def seeded(mappers: None, engine: Engine) -> Iterator[Seeded]:
    authors = tuple(a_user(username=f"author{n}", bio=f"Author {n}") for n in range(5))
    viewer, fan = a_user(username="viewer"), a_user(username="fan")
    articles = tuple(
        an_article(
            authors[k % len(authors)],
            title=f"Article {k}",
            tags=sorted({TAGS[k % len(TAGS)], TAGS[(k // 3) % len(TAGS)]}),
            created_at=NOW + timedelta(minutes=k // 2),  # pairs of equal timestamps: the tie-break is exercised
        )
        for k in range(ARTICLES)
    )
    one_comment, thirty_comments, no_comments = articles[0], articles[1], articles[2]
    things: list[Stored] = [*authors, viewer, fan, *articles]
    things += [a_favorite(viewer, article) for article in articles[::3]]
    things += [a_favorite(fan, article) for article in articles[::2]]
    things += [a_favorite(author, article) for author in authors[:2] for article in articles[::5]]
    things += [a_follow(viewer, authors[0]), a_follow(viewer, authors[1]), a_follow(fan, viewer)]
    things += [a_follow(fan, author) for author in authors]
    things += [a_follow(author, viewer) for author in authors]
    things += [a_comment(one_comment, viewer)]
    things += [
        a_comment(
            thirty_comments, authors[k % len(authors)], body=f"Comment {k}", created_at=NOW + timedelta(seconds=k)
        )
        for k in range(30)
    ]
    session_factory = build_session_factory(engine)
    try:
        commit_all(lambda: SqlAlchemyUnitOfWork(session_factory), *things)
        SqlArticleQueries(engine).search(ArticleFilter(), viewer_id=None)  # a warm pool: no first-connect statements
        yield Seeded(engine, authors, viewer, fan, articles, one_comment, thirty_comments, no_comments)
    finally:
        tables = ", ".join(table.name for table in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} CASCADE"))


def viewer_of(seeded: Seeded, who: str) -> UserId | None:
    return {"anonymous": None, "viewer": seeded.viewer.id}[who]


LISTS: dict[str, tuple[str, ArticleFilter]] = {
    "anonymous list": ("anonymous", ArticleFilter()),
    "signed-in list": ("viewer", ArticleFilter()),
    "by tag": ("viewer", ArticleFilter(tag="dragons")),
    "by author": ("viewer", ArticleFilter(author="author0")),
    "favorited by": ("viewer", ArticleFilter(favorited_by="fan")),
    "every filter": ("viewer", ArticleFilter(tag="dragons", author="author1", favorited_by="fan")),
    "every filter, anonymous": ("anonymous", ArticleFilter(tag="dragons", author="author1", favorited_by="fan")),
    "unknown author": ("viewer", ArticleFilter(author="nobody")),
}


@pytest.mark.parametrize("name", LISTS)
def test_a_page_of_articles_costs_the_same_statements_for_1_and_50_items(seeded: Seeded, name: str) -> None:
    who, criteria = LISTS[name]
    queries = SqlArticleQueries(seeded.engine)
    pages: dict[int, ArticlePage] = {}

    def page_of(limit: int) -> Callable[[], object]:
        def run() -> None:
            pages[limit] = queries.search(dataclasses.replace(criteria, limit=limit), viewer_id=viewer_of(seeded, who))

        return run

    small, large = statements_for(seeded.engine, page_of(1)), statements_for(seeded.engine, page_of(50))

    assert (small, large) == (PAGE_STATEMENTS, PAGE_STATEMENTS)
    assert len(pages[50].articles) == min(50, pages[50].count)
    if name != "unknown author":
        assert len(pages[1].articles) == 1
        assert pages[50].count > 1  # the comparison means something only if there are rows to pay for


def test_the_unfiltered_list_really_reads_fifty_rows(seeded: Seeded) -> None:
    page = SqlArticleQueries(seeded.engine).search(ArticleFilter(limit=50), viewer_id=seeded.viewer.id)

    assert (len(page.articles), page.count) == (50, ARTICLES)
    assert any(article.favorited for article in page.articles)
    assert any(article.author.following for article in page.articles)


def feed_reader(seeded: Seeded, who: str) -> UserId:
    return {"viewer": seeded.viewer.id, "fan": seeded.fan.id}[who]


@pytest.mark.parametrize(("who", "expected_count"), [("viewer", 24), ("fan", ARTICLES)])
def test_the_feed_costs_the_same_statements_for_1_and_50_items(seeded: Seeded, who: str, expected_count: int) -> None:
    queries = SqlArticleQueries(seeded.engine)
    pages: dict[int, ArticlePage] = {}

    def run(limit: int) -> None:
        pages[limit] = queries.feed(feed_reader(seeded, who), limit=limit, offset=0)

    small = statements_for(seeded.engine, lambda: run(1))
    large = statements_for(seeded.engine, lambda: run(50))

    assert (small, large) == (PAGE_STATEMENTS, PAGE_STATEMENTS)
    assert (len(pages[1].articles), len(pages[50].articles)) == (1, min(50, expected_count))
    assert pages[50].count == expected_count
    assert all(article.author.following for article in pages[50].articles)


@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_one_article_costs_one_statement(seeded: Seeded, who: str) -> None:
    queries = SqlArticleQueries(seeded.engine)
    article = seeded.articles[30]  # favorited by the viewer and three others; its author is followed
    viewer_id = viewer_of(seeded, who)

    by_slug = statements_for(seeded.engine, lambda: queries.find_by_slug(article.slug, viewer_id=viewer_id))
    by_id = statements_for(seeded.engine, lambda: queries.find(article.id, viewer_id=viewer_id))
    unknown = statements_for(seeded.engine, lambda: queries.find_by_slug("no-such-article", viewer_id=viewer_id))

    assert (by_slug, by_id, unknown) == (ONE_ARTICLE_STATEMENTS,) * 3
    view = queries.get_by_slug(article.slug, viewer_id=viewer_id)
    assert (view.favorited, view.author.following) == ((True, True) if viewer_id else (False, False))
    assert view.favorites_count == 4


@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_comments_cost_the_same_statement_for_0_1_and_30_comments(seeded: Seeded, who: str) -> None:
    queries = SqlCommentQueries(seeded.engine)
    viewer_id = viewer_of(seeded, who)
    listed: dict[str, int] = {}

    def run(article: Article) -> Callable[[], object]:
        def count() -> None:
            listed[article.slug] = len(queries.for_article(article.slug, viewer_id=viewer_id) or [])

        return count

    counts = [
        statements_for(seeded.engine, run(article))
        for article in (seeded.no_comments, seeded.one_comment, seeded.thirty_comments)
    ]
    unknown = statements_for(seeded.engine, lambda: queries.for_article("no-such-article", viewer_id=viewer_id))

    assert counts == [COMMENTS_STATEMENTS] * 3
    assert unknown == COMMENTS_STATEMENTS
    assert [listed[a.slug] for a in (seeded.no_comments, seeded.one_comment, seeded.thirty_comments)] == [0, 1, 30]


def test_tags_cost_one_statement(seeded: Seeded) -> None:
    tags: list[str] = []

    count = statements_for(seeded.engine, lambda: tags.extend(SqlTagQueries(seeded.engine).all()))

    assert count == TAGS_STATEMENTS
    assert tags == sorted(TAGS)
