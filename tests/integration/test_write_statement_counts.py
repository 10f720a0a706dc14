"""Writes that move counters cost a fixed number of statements from the application, whatever the number of tags
and of existing favorites: the counters are kept by triggers inside the database (migration 0004), not by
read-modify-write round trips (which would grow with the tags, and race)."""

import functools
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select

from adapters.sqlalchemy.database import build_session_factory
from adapters.sqlalchemy.queries import SqlArticleQueries, SqlTagQueries
from adapters.sqlalchemy.tables import tags, user_favorite_counts
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.articles import CreateArticle, CreateArticleCommand, DeleteArticle, DeleteArticleCommand
from application.favorites import FavoriteArticle, FavoriteCommand, UnfavoriteArticle
from application.views import ArticleView
from domain.articles import TAGS_PER_ARTICLE_MAX
from domain.users import User
from tests.builders import FixedClock, a_user
from tests.integration.test_statement_counts import statements_for

pytestmark = pytest.mark.integration

CREATE_ARTICLE_STATEMENTS = 2  # the author (find_by_id), the INSERT
FAVORITE_STATEMENTS = 3  # the article (get_by_slug), the INSERT ... ON CONFLICT DO NOTHING, the article as now seen
UNFAVORITE_STATEMENTS = 3  # the article, the DELETE, the article as now seen
DELETE_ARTICLE_STATEMENTS = 2  # the article FOR NO KEY UPDATE, the DELETE (favorites and comments by cascade)
TAGS_STATEMENTS = 1  # cache hit or miss


class Writers:
    def __init__(self, engine: Engine) -> None:
        uow = SqlAlchemyUnitOfWork(build_session_factory(engine))  # a fresh session per use: one will do
        clock, queries = FixedClock(), SqlArticleQueries(engine)
        self.engine = engine
        self.create = CreateArticle(uow, clock)
        self.delete = DeleteArticle(uow)
        self.favorite = FavoriteArticle(uow, queries, clock)
        self.unfavorite = UnfavoriteArticle(uow, queries)

    def people(self, n: int) -> list[User]:
        people = [a_user() for _ in range(n)]
        with SqlAlchemyUnitOfWork(build_session_factory(self.engine)) as uow:
            for person in people:
                uow.users.add(person)
            uow.commit()
        return people

    def article(self, author: User, tag_list: list[str]) -> ArticleView:
        command = CreateArticleCommand(author_id=author.id, title="Counted", description="d", body="b", tags=tag_list)
        return self.create(command)

    def counted(self, call: Callable[[], object]) -> int:
        return statements_for(self.engine, call)


@pytest.fixture
def writers(mappers: None, clean_database: Engine) -> Writers:
    writers = Writers(clean_database)
    writers.people(1)  # a warm pool: no first-connect statements below
    return writers


def test_creating_an_article_costs_the_same_statements_for_0_1_and_20_tags(writers: Writers) -> None:
    (author,) = writers.people(1)
    many = [f"tag{k:02}" for k in range(TAGS_PER_ARTICLE_MAX)]
    writers.article(author, many[:10])  # half of them exist already, half are new

    costs = [writers.counted(functools.partial(writers.article, author, tag_list)) for tag_list in ([], ["x"], many)]

    assert costs == [CREATE_ARTICLE_STATEMENTS] * 3
    with writers.engine.connect() as connection:
        counted = dict(connection.execute(select(tags.c.name, tags.c.articles)).all())
    assert counted == {"x": 1, **{tag: 2 for tag in many[:10]}, **{tag: 1 for tag in many[10:]}}


def test_favoriting_costs_the_same_statements_with_0_or_30_favorites_already(writers: Writers) -> None:
    author, fan, *crowd = writers.people(32)
    quiet, popular = writers.article(author, ["a"]), writers.article(author, ["b"])
    for person in crowd:
        writers.favorite(FavoriteCommand(slug=popular.slug, user_id=person.id))
    for other in [writers.article(author, []) for _ in range(5)]:
        writers.favorite(FavoriteCommand(slug=other.slug, user_id=fan.id))  # the fan's own counter is not at 0

    costs = {
        "first": writers.counted(lambda: writers.favorite(FavoriteCommand(slug=quiet.slug, user_id=fan.id))),
        "crowded": writers.counted(lambda: writers.favorite(FavoriteCommand(slug=popular.slug, user_id=fan.id))),
        "again": writers.counted(lambda: writers.favorite(FavoriteCommand(slug=popular.slug, user_id=fan.id))),
        "un": writers.counted(lambda: writers.unfavorite(FavoriteCommand(slug=popular.slug, user_id=fan.id))),
        "un again": writers.counted(lambda: writers.unfavorite(FavoriteCommand(slug=popular.slug, user_id=fan.id))),
    }

    expected = [FAVORITE_STATEMENTS] * 3 + [UNFAVORITE_STATEMENTS] * 2
    assert list(costs.values()) == expected
    with writers.engine.connect() as connection:
        fans = dict(connection.execute(select(user_favorite_counts.c.user_id, user_favorite_counts.c.favorites)).all())
    assert fans[fan.id] == 6  # five others and `quiet`; `popular` favorited twice, then unfavorited
    assert sum(fans.values()) == 31 + 5


def test_deleting_an_article_with_favorites_costs_the_same_statements(writers: Writers) -> None:
    author, *fans = writers.people(21)
    bare, crowded = writers.article(author, ["a", "b"]), writers.article(author, ["b", "c"])
    for fan in fans:
        writers.favorite(FavoriteCommand(slug=crowded.slug, user_id=fan.id))

    costs = [
        writers.counted(functools.partial(writers.delete, DeleteArticleCommand(slug=slug, user_id=author.id)))
        for slug in (bare.slug, crowded.slug)
    ]

    assert costs == [DELETE_ARTICLE_STATEMENTS] * 2
    with writers.engine.connect() as connection:
        assert connection.execute(select(func.sum(user_favorite_counts.c.favorites))).scalar_one() == 0
    assert list(SqlTagQueries(writers.engine).all()) == []


def test_the_tag_list_costs_one_statement_on_a_miss_and_on_a_hit(writers: Writers) -> None:
    (author,) = writers.people(1)
    writers.article(author, ["one"])
    queries = SqlTagQueries(writers.engine)
    listed: list[tuple[str, ...]] = []

    miss = writers.counted(lambda: listed.append(queries.all()))
    hit = writers.counted(lambda: listed.append(queries.all()))
    writers.article(author, ["one"])  # no new tag: the copy still holds
    still = writers.counted(lambda: listed.append(queries.all()))
    writers.article(author, ["two"])  # a new tag: a new version
    changed = writers.counted(lambda: listed.append(queries.all()))

    assert (miss, hit, still, changed) == (TAGS_STATEMENTS,) * 4
    assert listed == [("one",), ("one",), ("one",), ("one", "two")]
    assert listed[1] is listed[0]  # the same tuple while the catalog holds
    assert listed[2] is listed[0]
