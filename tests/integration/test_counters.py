"""The counters behind articlesCount and GET /api/tags (migration 0004), and the per-tag index of `?tag=` pages
(article_tags, migration 0007), stay equal to counting the rows.

Every check compares each counter with `count(*)` over the rows, and what the read ports answer with the same
truth, so a trigger that misses a path (an edit of the tags, a cascade, a TRUNCATE, two writers at once) fails here.
"""

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from adapters.security import Argon2PasswordHasher
from adapters.sqlalchemy.counts import recount
from adapters.sqlalchemy.database import build_session_factory
from adapters.sqlalchemy.demo_data import SqlDemoDataWriter
from adapters.sqlalchemy.queries import SqlArticleQueries, SqlTagQueries
from adapters.sqlalchemy.tables import (
    article_tags,
    article_totals,
    articles,
    favorites,
    follows,
    metadata,
    tag_catalog,
    tags,
    user_article_counts,
    user_favorite_counts,
    users,
)
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.queries import ArticleFilter
from application.seeding import SeedCommand, SeedDemoData
from domain.articles import Article
from domain.favorites import Favorite
from domain.follows import Follow
from domain.ids import ArticleId, UserId
from entrypoints.cli import cli
from tests.builders import NOW, FixedClock, a_user

pytestmark = pytest.mark.integration

TAG_POOL = ("dragons", "training", "Zebra", "émoji", "a b", "x")
THREADS = 12


# --- the truth, and the comparison ------------------------------------------------------------------------------


def truth(connection: Any) -> dict[str, Any]:
    tag = func.unnest(articles.c.tags).label("tag")
    per_article_tags = select(articles.c.id, tag).distinct().subquery()
    return {
        "total": connection.execute(select(func.count()).select_from(articles)).scalar_one(),
        "tags": dict(
            connection.execute(select(per_article_tags.c.tag, func.count()).group_by(per_article_tags.c.tag)).all()
        ),
        "authors": dict(
            connection.execute(select(articles.c.author_id, func.count()).group_by(articles.c.author_id)).all()
        ),
        "favoriters": dict(
            connection.execute(select(favorites.c.user_id, func.count()).group_by(favorites.c.user_id)).all()
        ),
        "article_tags": {
            tuple(row)
            for row in connection.execute(
                select(per_article_tags.c.tag, articles.c.created_at, articles.c.id).join(
                    articles, articles.c.id == per_article_tags.c.id
                )
            )
        },
    }


def stored(connection: Any) -> dict[str, Any]:
    return {
        "total": connection.execute(select(func.coalesce(func.sum(article_totals.c.articles), 0))).scalar_one(),
        "tags": dict(connection.execute(select(tags.c.name, tags.c.articles).where(tags.c.articles != 0)).all()),
        "authors": dict(
            connection.execute(
                select(user_article_counts.c.user_id, user_article_counts.c.articles).where(
                    user_article_counts.c.articles != 0
                )
            ).all()
        ),
        "favoriters": dict(
            connection.execute(
                select(user_favorite_counts.c.user_id, user_favorite_counts.c.favorites).where(
                    user_favorite_counts.c.favorites != 0
                )
            ).all()
        ),
        "article_tags": {tuple(row) for row in connection.execute(select(article_tags))},
    }


def catalog_version(engine: Engine) -> object:
    with engine.connect() as connection:
        return connection.execute(select(tag_catalog.c.version)).scalar_one_or_none()


def assert_counters_exact(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        actual, kept = truth(connection), stored(connection)
    assert kept == actual
    return actual


def assert_reads_exact(engine: Engine, actual: dict[str, Any]) -> None:
    """What the API answers (articlesCount per filter and feed, the tag list) is the truth, not a cached guess."""
    queries = SqlArticleQueries(engine)
    with engine.connect() as connection:
        names = dict(connection.execute(select(users.c.id, users.c.username)).all())
        follow_pairs = connection.execute(select(follows.c.follower_id, follows.c.followee_id)).all()
    assert list(SqlTagQueries(engine).all()) == sorted(actual["tags"], key=lambda t: t.encode())
    assert queries.search(ArticleFilter(limit=1), viewer_id=None).count == actual["total"]
    for tag in sorted({*TAG_POOL, *actual["tags"], "never-used"}):
        assert queries.search(ArticleFilter(tag=tag, limit=1), viewer_id=None).count == actual["tags"].get(tag, 0)
        # A tag's page (read through article_tags): the tagged articles, newest first, ties by id, offset honoured.
        with engine.connect() as connection:
            newest_first = list(
                connection.execute(
                    select(articles.c.slug)
                    .where(articles.c.tags.contains([tag]))
                    .order_by(articles.c.created_at.desc(), articles.c.id.desc())
                ).scalars()
            )
        for offset, limit in ((0, 100), (1, 2)):
            page = queries.search(ArticleFilter(tag=tag, limit=limit, offset=offset), viewer_id=None)
            assert [a.slug for a in page.articles] == newest_first[offset : offset + limit]
    for user_id, username in names.items():
        by = queries.search(ArticleFilter(author=username, limit=1), viewer_id=None)
        fan = queries.search(ArticleFilter(favorited_by=username, limit=1), viewer_id=None)
        feed = queries.feed(user_id, limit=1, offset=0)
        followed = [followee for follower, followee in follow_pairs if follower == user_id]
        assert by.count == actual["authors"].get(user_id, 0)
        assert fan.count == actual["favoriters"].get(user_id, 0)
        assert feed.count == sum(actual["authors"].get(author, 0) for author in followed)
    assert queries.search(ArticleFilter(author="nobody"), viewer_id=None).count == 0


@pytest.fixture
def session_factory(mappers: None, clean_database: Engine) -> sessionmaker[Session]:
    return build_session_factory(clean_database)


def empty(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(t.name for t in metadata.sorted_tables)} CASCADE"))


# --- random sequences of every kind of write --------------------------------------------------------------------


class Writes(RuleBasedStateMachine):
    """Users, articles (tags added, removed, text edited), favorites and follows, written through the real unit of
    work one transaction at a time; users deleted in SQL (the domain has no such use case; the cascades count)."""

    engine: Engine
    make_session: sessionmaker[Session]

    def __init__(self) -> None:
        super().__init__()
        empty(self.engine)
        self.users: list[UserId] = []
        self.articles: list[ArticleId] = []
        self.clock = NOW
        self.tags_in_use: frozenset[str] = frozenset()
        self.version = catalog_version(self.engine)

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.make_session)

    def tick(self) -> Any:
        self.clock += timedelta(seconds=1)
        return self.clock

    def slug_of(self, article_id: ArticleId) -> str:
        with self.engine.connect() as connection:
            slug: str = connection.execute(select(articles.c.slug).where(articles.c.id == article_id)).scalar_one()
        return slug

    @rule()
    def register(self) -> None:
        user = a_user()
        with self.uow() as uow:
            uow.users.add(user)
            uow.commit()
        self.users.append(user.id)

    @precondition(lambda self: self.users)
    @rule(data=st.data(), chosen=st.lists(st.sampled_from(TAG_POOL), max_size=4))
    def write_article(self, data: st.DataObject, chosen: list[str]) -> None:
        author = data.draw(st.sampled_from(self.users))
        article = Article.write(
            author_id=author, title="Counted", description="d", body="b", tags=chosen, now=self.tick()
        )
        with self.uow() as uow:
            uow.articles.add(article)
            uow.commit()
        self.articles.append(article.id)

    @precondition(lambda self: self.articles)
    @rule(data=st.data(), chosen=st.one_of(st.none(), st.lists(st.sampled_from(TAG_POOL), max_size=4)))
    def edit_article(self, data: st.DataObject, chosen: list[str] | None) -> None:
        """New tags (some kept, some added, some dropped), or only the text (None)."""
        article_id = data.draw(st.sampled_from(self.articles))
        with self.uow() as uow:
            article = uow.articles.get_by_slug(self.slug_of(article_id), for_update=True)
            if chosen is None:
                article.edit(editor_id=article.author_id, now=self.tick(), body="edited")
            else:
                article.edit(editor_id=article.author_id, now=self.tick(), tags=chosen)
            uow.commit()

    @precondition(lambda self: self.articles)
    @rule(data=st.data())
    def delete_article(self, data: st.DataObject) -> None:
        article_id = data.draw(st.sampled_from(self.articles))
        with self.uow() as uow:
            uow.articles.remove(uow.articles.get_by_slug(self.slug_of(article_id), for_update=True))
            uow.commit()
        self.articles.remove(article_id)

    @precondition(lambda self: self.users and self.articles)
    @rule(data=st.data(), twice=st.booleans())
    def favorite(self, data: st.DataObject, twice: bool) -> None:
        user, article = data.draw(st.sampled_from(self.users)), data.draw(st.sampled_from(self.articles))
        with self.uow() as uow:
            for _ in range(2 if twice else 1):  # idempotent: the second adds nothing, and counts nothing
                uow.favorites.add(Favorite(user_id=user, article_id=article, created_at=self.tick()))
            uow.commit()

    @precondition(lambda self: self.users and self.articles)
    @rule(data=st.data())
    def unfavorite(self, data: st.DataObject) -> None:
        user, article = data.draw(st.sampled_from(self.users)), data.draw(st.sampled_from(self.articles))
        with self.uow() as uow:
            uow.favorites.remove(user, article)
            uow.commit()

    @precondition(lambda self: len(self.users) >= 2)
    @rule(data=st.data(), unfollow=st.booleans())
    def follow(self, data: st.DataObject, unfollow: bool) -> None:
        follower, followee = data.draw(st.lists(st.sampled_from(self.users), min_size=2, max_size=2, unique=True))
        with self.uow() as uow:
            if unfollow:
                uow.follows.remove(follower, followee)
            else:
                uow.follows.add(Follow(follower_id=follower, followee_id=followee, created_at=self.tick()))
            uow.commit()

    @precondition(lambda self: self.users)
    @rule(data=st.data())
    def delete_user(self, data: st.DataObject) -> None:
        user = data.draw(st.sampled_from(self.users))
        with self.engine.begin() as connection:
            gone = connection.execute(select(articles.c.id).where(articles.c.author_id == user)).scalars().all()
            connection.execute(delete(users).where(users.c.id == user))
        self.users.remove(user)
        self.articles = [a for a in self.articles if a not in gone]

    @invariant()
    def counters_are_the_truth(self) -> None:
        actual = assert_counters_exact(self.engine)
        assert_reads_exact(self.engine, actual)
        # The per-process tag list is only as good as this: the version moves whenever the set of tags in use does.
        in_use, version = frozenset(actual["tags"]), catalog_version(self.engine)
        if in_use != self.tags_in_use:
            assert version != self.version
        self.tags_in_use, self.version = in_use, version


def test_random_writes_keep_every_counter_exact(session_factory: sessionmaker[Session], clean_database: Engine) -> None:
    Writes.engine, Writes.make_session = clean_database, session_factory
    run_state_machine_as_test(
        Writes,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


# --- bulk paths --------------------------------------------------------------------------------------------------


def test_one_statement_over_many_rows_and_truncate_keep_counters_exact(
    session_factory: sessionmaker[Session], clean_database: Engine
) -> None:
    engine = clean_database
    people = [a_user() for _ in range(3)]
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        for person in people:
            uow.users.add(person)
        uow.commit()
    with engine.begin() as connection:  # multi-row INSERT, UPDATE and DELETE statements, as COPY or a script would
        connection.execute(
            text(
                "INSERT INTO articles SELECT gen_random_uuid(), :author, 's' || n, 't', 'd', 'b', "
                "CASE WHEN n % 2 = 0 THEN ARRAY['even', 'all'] ELSE ARRAY['all'] END, now(), now() "
                "FROM generate_series(1, 50) AS n"
            ),
            {"author": people[0].id},
        )
        connection.execute(text("INSERT INTO favorites SELECT :fan, id, now() FROM articles"), {"fan": people[1].id})
        connection.execute(
            text("UPDATE articles SET author_id = :other, tags = array_append(tags, 'moved') WHERE slug < 's3'"),
            {"other": people[2].id},
        )
        connection.execute(text("DELETE FROM articles WHERE slug LIKE 's4%'"))
    actual = assert_counters_exact(engine)
    assert actual["total"] == 39
    assert_reads_exact(engine, actual)

    with engine.begin() as connection:
        connection.execute(text("TRUNCATE articles CASCADE"))
    assert assert_counters_exact(engine) == {
        "total": 0,
        "tags": {},
        "authors": {},
        "favoriters": {},
        "article_tags": set(),
    }
    assert list(SqlTagQueries(engine).all()) == []


def test_recount_repairs_what_was_changed_behind_the_triggers_back(
    session_factory: sessionmaker[Session], clean_database: Engine, migrated_database_url: str
) -> None:
    engine = clean_database
    author = a_user()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.users.add(author)
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.articles.add(
            Article.write(author_id=author.id, title="T", description="d", body="b", tags=["kept"], now=NOW)
        )
        uow.commit()
    assert list(SqlTagQueries(engine).all()) == ["kept"]
    assert recount(engine) == {"articles": 0, "tags": 0, "authors": 0, "favoriters": 0, "article_tags": 0}
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE articles DISABLE TRIGGER USER"))
        connection.execute(
            text("INSERT INTO articles VALUES (gen_random_uuid(), :a, 'hidden', 't', 'd', 'b', '{new}', now(), now())"),
            {"a": author.id},
        )
        connection.execute(text("ALTER TABLE articles ENABLE TRIGGER USER"))
        connection.execute(text("UPDATE tags SET articles = 7 WHERE name = 'kept'"))
        connection.execute(text("INSERT INTO article_tags VALUES ('kept', now(), gen_random_uuid())"))  # no article

    result = CliRunner().invoke(cli, ["db", "recount"], env={"DATABASE_URL": migrated_database_url})

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "articles: 1 corrected",
        "tags: 2 corrected",
        "authors: 1 corrected",
        "favoriters: 0 corrected",
        "article_tags: 2 corrected",  # the hidden article's row added, the row of no article removed
    ]
    assert_counters_exact(engine)
    assert list(SqlTagQueries(engine).all()) == ["kept", "new"]  # the catalog moved: no process keeps the old list


def test_seeding_in_batches_leaves_every_counter_exact(clean_database: Engine) -> None:
    """`conduit seed` COPYs with the triggers on: one trigger call per batch (a statement), counted set-based."""
    command = SeedCommand(
        users=30, articles=300, comments=50, favorites=900, follows=200, tags=25, tags_per_article=4, batch_size=64
    )
    hasher = Argon2PasswordHasher(memory_kib=1024, time_cost=1)

    SeedDemoData(SqlDemoDataWriter(clean_database), hasher, FixedClock())(command)

    actual = assert_counters_exact(clean_database)
    assert (actual["total"], sum(actual["favoriters"].values())) == (300, 900)
    assert_reads_exact(clean_database, actual)


# --- concurrency ---------------------------------------------------------------------------------------------------


def together(calls: Sequence[Callable[[], object]]) -> list[object]:
    """Every call in its own thread, all released at once; what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(30)
            outcomes[index] = calls[index]()
        except Exception as exc:  # judged below
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "deadlock or endless lock wait"
    return outcomes


@pytest.fixture
def concurrent_engine(clean_database: Engine) -> Iterator[Engine]:
    """Its own pool, one connection per thread, so that every transaction is open at once."""
    from adapters.sqlalchemy.database import build_engine

    engine = build_engine(clean_database.url.render_as_string(hide_password=False), pool_size=THREADS + 2)
    yield engine
    engine.dispose()


def test_concurrent_writers_keep_every_counter_exact(mappers: None, concurrent_engine: Engine) -> None:
    engine = concurrent_engine
    make_session = build_session_factory(engine)
    people = [a_user() for _ in range(THREADS)]
    with SqlAlchemyUnitOfWork(make_session) as uow:
        for person in people:
            uow.users.add(person)
        uow.commit()

    def write(author: UserId, tag_list: list[str]) -> Callable[[], ArticleId]:
        def run() -> ArticleId:
            article = Article.write(author_id=author, title="Race", description="d", body="b", tags=tag_list, now=NOW)
            with SqlAlchemyUnitOfWork(make_session) as uow:
                uow.articles.add(article)
                uow.commit()
            return article.id

        return run

    # Same new tags for everyone (every insert creates or bumps the same tag rows and the catalog), in two orders.
    written = together(
        [
            write(people[i % 3].id, ["brand-new", "shared"] if i % 2 else ["shared", "brand-new", f"own{i}"])
            for i in range(THREADS)
        ]
    )
    assert all(isinstance(outcome, uuid.UUID) for outcome in written), written
    actual = assert_counters_exact(engine)
    assert actual["tags"]["shared"] == THREADS
    expected_tags = sorted({"brand-new", "shared", *(f"own{i}" for i in range(0, THREADS, 2))})
    assert list(SqlTagQueries(engine).all()) == expected_tags

    ids = [ArticleId(outcome) for outcome in written if isinstance(outcome, uuid.UUID)]

    def favorite(user: UserId, article: ArticleId) -> Callable[[], None]:
        def run() -> None:
            with SqlAlchemyUnitOfWork(make_session) as uow:
                uow.favorites.add(Favorite(user_id=user, article_id=article, created_at=NOW))
                uow.commit()

        return run

    def remove(article: ArticleId) -> Callable[[], None]:
        def run() -> None:
            with engine.begin() as connection:
                connection.execute(delete(articles).where(articles.c.id == article))

        return run

    # Every user favorites the same article at once, while others favorite and articles with fans are deleted:
    # authors' rows, fans' rows and tags are touched by many transactions in every combination.
    calls = [favorite(person.id, ids[0]) for person in people]
    calls += [favorite(person.id, ids[1 + k % 3]) for k, person in enumerate(people)]
    outcomes = together(calls)
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    outcomes = together([remove(ids[1]), remove(ids[2]), *(favorite(p.id, ids[3]) for p in people[:6])])
    assert [o for o in outcomes if isinstance(o, Exception)] == []

    actual = assert_counters_exact(engine)
    assert actual["total"] == THREADS - 2
    # Everyone's favorite of ids[0]; the second wave's, less those of the deleted ids[1] and ids[2]; the new ones of
    # ids[3] (people[k] with k % 3 == 2 had it already).
    kept = sum(1 for k in range(THREADS) if k % 3 == 2)
    assert sum(actual["favoriters"].values()) == THREADS + kept + sum(1 for k in range(6) if k % 3 != 2)
    assert_reads_exact(engine, actual)
