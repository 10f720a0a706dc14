"""EXPLAIN (ANALYZE, BUFFERS) of the hot read statements, exactly as the SQL adapter sends them.

The statements are not copied here: the adapter's own read ports are called on the given database, every statement
they send is captured (text and parameters) on its way to the driver, and each is then explained with the same
parameters. Parameters come from the data: a seeded user who follows and favorites, and the worst cases (the most
used tag, the most prolific author, the user with most favorites, the one who follows most authors).

    .venv/bin/python bench/explain.py [--database-url URL] [--out bench/plans]

One file per statement in --out (default bench/plans), named after the call; see bench/plans/README.md.
"""

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, create_engine, event, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.sqlalchemy import counts  # noqa: E402
from adapters.sqlalchemy.database import normalize_url  # noqa: E402
from adapters.sqlalchemy.queries import (  # noqa: E402
    SqlArticleQueries,
    SqlCommentQueries,
    SqlTagQueries,
    SqlUserQueries,
)
from adapters.sqlalchemy.tables import (  # noqa: E402
    articles,
    comments,
    follows,
    tags,
    user_article_counts,
    user_favorite_counts,
    users,
)
from application.queries import ArticleFilter  # noqa: E402
from domain.ids import UserId  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/conduit_bench_large"
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Captured:
    statement: str
    parameters: Any


@contextlib.contextmanager
def capturing(engine: Engine) -> Iterator[list[Captured]]:
    captured: list[Captured] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append(Captured(statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", record)


@dataclass(frozen=True)
class Subjects:
    viewer: UserId  # a seeded user who follows and favorites (the benchmark signs in as this one)
    viewer_name: str
    tag: str  # the most used tag
    typical_tag: str  # a tag of median use
    busy_tag: str  # a tag on ~1,500 articles: where neither the GIN index nor the created_at index is cheap
    author: str  # the most prolific author
    fan: str  # the user with the most favorites
    follower: UserId  # the user who follows the most authors
    slug: str  # the newest article
    commented: str  # the article with the most comments


def subjects(engine: Engine) -> Subjects:
    seed = RESULTS / "seed-large.json"
    with engine.connect() as connection:

        def one(query: Select[Any]) -> Any:
            row = connection.execute(query).first()
            if row is None:
                raise SystemExit(f"no data for: {query}")
            return row[0]

        name = json.loads(seed.read_text())["sample_usernames"][0] if seed.exists() else None
        if name is None:
            name = one(select(users.c.username).join(follows, follows.c.follower_id == users.c.id).limit(1))
        in_use = one(select(func.count()).select_from(tags).where(tags.c.articles > 0))
        by_use = select(tags.c.name).where(tags.c.articles > 0).order_by(tags.c.articles.desc(), tags.c.name)
        top_author = select(users.c.username).join(user_article_counts, user_article_counts.c.user_id == users.c.id)
        top_fan = select(users.c.username).join(user_favorite_counts, user_favorite_counts.c.user_id == users.c.id)
        most_commented = select(comments.c.article_id).group_by(comments.c.article_id).order_by(func.count().desc())
        most_follows = select(follows.c.follower_id).group_by(follows.c.follower_id).order_by(func.count().desc())
        newest = select(articles.c.slug).order_by(articles.c.created_at.desc(), articles.c.id.desc())
        return Subjects(
            viewer=one(select(users.c.id).where(users.c.username == name)),
            viewer_name=name,
            tag=one(by_use.limit(1)),
            typical_tag=one(by_use.offset(in_use // 2).limit(1)),
            busy_tag=one(select(tags.c.name).where(tags.c.articles >= 1500).order_by(tags.c.articles).limit(1)),
            author=one(top_author.order_by(user_article_counts.c.articles.desc()).limit(1)),
            fan=one(top_fan.order_by(user_favorite_counts.c.favorites.desc()).limit(1)),
            follower=one(most_follows.limit(1)),
            slug=one(newest.limit(1)),
            commented=one(select(articles.c.slug).where(articles.c.id == most_commented.limit(1).scalar_subquery())),
        )


def calls(engine: Engine, s: Subjects) -> dict[str, Callable[[], object]]:
    """Each hot read, by the name of its plan file. A page's total rides in the page's statement; `*-count` is the
    total alone, as sent for a page past the end."""
    article_queries, comment_queries, tag_queries = (
        SqlArticleQueries(engine),
        SqlCommentQueries(engine),
        SqlTagQueries(engine),
    )

    def search(**criteria: Any) -> Callable[[], object]:
        viewer = criteria.pop("viewer", None)

        def read() -> object:
            return article_queries.search(ArticleFilter(**criteria), viewer_id=viewer)

        return signed_in(engine, viewer, read) if viewer is not None else read

    far = 10**8
    return {
        "list-anonymous": search(),
        "list-signed-in": search(viewer=s.viewer),
        "list-anonymous-count": search(offset=far),
        "by-tag-most-used": search(tag=s.tag),
        "by-tag-typical": search(tag=s.typical_tag, viewer=s.viewer),
        "by-tag-busy": search(tag=s.busy_tag),
        "by-tag-count": search(tag=s.tag, offset=far),
        "by-author-most-prolific": search(author=s.author, viewer=s.viewer),
        "by-author-count": search(author=s.author, offset=far),
        "by-favorited-most-favorites": search(favorited_by=s.fan, viewer=s.viewer),
        "by-favorited-count": search(favorited_by=s.fan, offset=far),
        "by-tag-and-author": search(tag=s.tag, author=s.author),
        "feed-seeded-user": signed_in(engine, s.viewer, lambda: article_queries.feed(s.viewer, limit=20, offset=0)),
        "feed-follows-most": signed_in(
            engine, s.follower, lambda: article_queries.feed(s.follower, limit=20, offset=0)
        ),
        "feed-count": lambda: article_queries.feed(s.follower, limit=20, offset=far),
        "one-article": signed_in(engine, s.viewer, lambda: article_queries.find_by_slug(s.slug, viewer_id=s.viewer)),
        "comments-newest-article": signed_in(
            engine, s.viewer, lambda: comment_queries.for_article(s.slug, viewer_id=s.viewer)
        ),
        "comments-most-commented": signed_in(
            engine, s.viewer, lambda: comment_queries.for_article(s.commented, viewer_id=s.viewer)
        ),
        "tags-miss": forgetting(tag_queries.all),  # no copy in this process: the list is read
        "tags-hit": tag_queries.all,  # a copy of the current version: only the version is read
    }


def signed_in(engine: Engine, user: UserId, call: Callable[[], object]) -> Callable[[], object]:
    """The read as a signed-in GET sends it: carrying the user's sign-in check (entrypoints/http/auth.py)."""
    with engine.connect() as connection:
        version = connection.execute(select(users.c.password_version).where(users.c.id == user)).scalar_one()

    def run() -> object:
        carried = SqlUserQueries(engine).check_session_with_next_read(
            user, password_version=version, session_id="explain", settle=lambda accepted: None
        )
        if not carried:
            raise SystemExit("the sign-in check did not ride on the read")
        return call()

    return run


def forgetting(call: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        counts._tag_lists.clear()  # the per-process copy, dropped to show the plan of a miss
        return call()

    return run


def explain(engine: Engine, captured: Captured) -> str:
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured.statement, captured.parameters)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "plans")
    args = parser.parse_args()
    engine = create_engine(normalize_url(args.database_url))
    args.out.mkdir(parents=True, exist_ok=True)
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar_one()
        sizes = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (users, articles, comments, follows)
        }
    s = subjects(engine)
    for name, call in calls(engine, s).items():
        call()  # warm: what a long-running server has in its caches
        with capturing(engine) as captured:
            call()
        if name.endswith("-count"):
            captured = captured[-1:]  # the empty page before it is explained under its own name
        for index, statement in enumerate(captured):
            plan = explain(engine, statement)
            suffix = f"-{index + 1}" if len(captured) > 1 else ""
            header = [
                f"-- {name}{suffix}: PostgreSQL {version}, {sizes}",
                f"-- parameters: {statement.parameters!r}",
                statement.statement,
                "",
            ]
            (args.out / f"{name}{suffix}.txt").write_text("\n".join(header) + plan + "\n")
            print(f"{name}{suffix}: {plan.splitlines()[-1].strip()}", file=sys.stderr)
    engine.dispose()


if __name__ == "__main__":
    main()
