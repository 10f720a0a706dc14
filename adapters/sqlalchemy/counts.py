"""Exact totals for article lists and the tag list, read from the counters that triggers keep in the transaction of
every change (migrations/versions/0004_counters.py), so that their cost does not grow with the data.

`articlesCount` for one filter (or none) is one index lookup, for the feed one per followed author; only a
combination of filters counts the matching rows, and those are bounded by the smallest of the filters' sets.
"""

import threading
import uuid
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Engine,
    ScalarSelect,
    Table,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from adapters.sqlalchemy.routing import DriverRead, ReadRouting
from adapters.sqlalchemy.tables import (
    article_totals,
    articles,
    follows,
    tag_catalog,
    tags,
    user_article_counts,
    user_favorite_counts,
    users,
)
from domain.ids import UserId

# A value, or the bind parameter that will carry it (adapters/sqlalchemy/queries.py builds its statements once).
T = TypeVar("T")
Value: TypeAlias = T | ColumnElement[T]


def _or_zero(value: Any) -> ScalarSelect[int]:
    return select(cast(func.coalesce(value, 0), BigInteger)).scalar_subquery()


def _per_user(counts: Table, column: str, username: Value[str]) -> ScalarSelect[int]:
    row = select(counts.c[column]).join(users, users.c.id == counts.c.user_id).where(users.c.username == username)
    return _or_zero(row.scalar_subquery())


def search_total(
    *, tag: Value[str] | None, author: Value[str] | None, favorited_by: Value[str] | None, conditions: Any
) -> ScalarSelect[int]:
    """How many articles match these filters (a scalar subquery, to put in the page's own statement).

    `conditions`: the page's WHERE clauses for the same filters, counted row by row only when filters combine.
    An unknown tag or username counts 0.
    """
    given = [value for value in (tag, author, favorited_by) if value is not None]
    if len(given) > 1:
        return select(func.count()).select_from(articles).where(*conditions).scalar_subquery()
    if tag is not None:
        return _or_zero(select(tags.c.articles).where(tags.c.name == tag).scalar_subquery())
    if author is not None:
        return _per_user(user_article_counts, "articles", author)
    if favorited_by is not None:
        return _per_user(user_favorite_counts, "favorites", favorited_by)
    return _or_zero(select(func.sum(article_totals.c.articles)).scalar_subquery())


def feed_total(viewer_id: Value[UserId]) -> ScalarSelect[int]:
    """How many articles the authors `viewer_id` follows wrote: one lookup per followed author."""
    written = (
        select(func.sum(user_article_counts.c.articles))
        .select_from(follows.join(user_article_counts, user_article_counts.c.user_id == follows.c.followee_id))
        .where(follows.c.follower_id == viewer_id)
    )
    return _or_zero(written.scalar_subquery())


# --- the tag list, kept per process while the catalog's version holds ----------------------------------------------

_version = select(tag_catalog.c.version).scalar_subquery()
_cached_version = bindparam("cached_version", type_=tag_catalog.c.version.type)
_in_use = (
    select(func.array_agg(aggregate_order_by(tags.c.name, tags.c.name))).where(tags.c.articles > 0).scalar_subquery()
)
# One statement either way: the version, and the tags only when the caller's copy is not of that version (the list is
# a subquery that PostgreSQL runs only when the CASE needs it). Version and list come from one snapshot.
TAG_LIST = select(
    _version.label("version"),
    case((or_(_cached_version.is_(None), _version.is_(None), _version != _cached_version), _in_use)).label("tags"),
)


_TAG_LIST_READ = DriverRead(TAG_LIST)


@dataclass(frozen=True, slots=True)
class _TagList:
    version: uuid.UUID  # SQLAlchemy's psycopg2 dialect has the driver return uuid.UUID
    tags: tuple[str, ...]


_tag_lists: dict[str, _TagList] = {}  # per database
_tag_lists_lock = threading.Lock()


def tag_list(reads: ReadRouting) -> tuple[str, ...]:
    """Every tag in use, in code-point order. Exact: a copy is used only while the catalog's version is the one it
    was read with, and every change to the set of tags in use gives the catalog a new version. While it holds, the
    very same tuple is returned: callers may keep what they derive from it (entrypoints/http encodes it once)."""
    key = reads.database
    cached = _tag_lists.get(key)
    (row,) = reads.fetch(_TAG_LIST_READ, {"cached_version": cached.version if cached else None})
    if cached is not None and row.tags is None and row.version == cached.version:
        return cached.tags
    listed = tuple(row.tags or ())
    with _tag_lists_lock:
        if row.version is None:  # no catalog row (e.g. emptied by hand): nothing to check a copy against
            _tag_lists.pop(key, None)
        else:
            _tag_lists[key] = _TagList(row.version, listed)
    return listed


# --- repair -------------------------------------------------------------------------------------------------------


def recount(engine: Engine) -> dict[str, int]:
    """Every counter recomputed from the rows, set-based, in one transaction (writers of articles and favorites
    wait meanwhile); how many entries of each counter were wrong."""
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT counter, corrected FROM conduit_recount()")).all()
    return {row.counter: int(row.corrected) for row in rows}
