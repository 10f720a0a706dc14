"""Read ports in SQL: set-based statements whose number does not depend on page size or viewer."""

import functools
from collections.abc import Callable
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Engine,
    FromClause,
    Integer,
    Row,
    Select,
    Table,
    bindparam,
    cast,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql

from adapters.sqlalchemy import counts
from adapters.sqlalchemy.database import storable
from adapters.sqlalchemy.routing import CarriedCheck, DriverRead, ReadRouting, reads_of
from adapters.sqlalchemy.tables import article_tags, articles, comments, favorites, follows, recent_writes, users
from application.queries import (
    ArticleFilter,
    ArticleQueries,
    CommentQueries,
    ProfileQueries,
    TagQueries,
    UserQueries,
)
from application.views import (
    AccountView,
    ArticlePage,
    ArticleView,
    CommentView,
    ProfileView,
    SessionCheck,
    UserPage,
    UserSummaryView,
)
from domain.ids import ArticleId, CommentId, UserId

# Statements are built once per shape (which filters, signed in or not) with every value a bind parameter, and
# kept: building a statement and computing its cache key cost more CPU than running it. SQLAlchemy memoises the
# cache key on the statement object, so a kept statement goes straight to its compiled form.
_VIEWER = bindparam("viewer_id", type_=users.c.id.type)


def _parameters(viewer_id: UserId | None, **values: Any) -> dict[str, Any]:
    return {"viewer_id": viewer_id, **values} if viewer_id is not None else values


def _following(signed_in: bool, author_id: ColumnElement[Any]) -> ColumnElement[bool]:
    if not signed_in:
        return false()
    return _probe(follows, follows.c.follower_id == _VIEWER, follows.c.followee_id == author_id)


def _probe(table: Table, *key: ColumnElement[bool]) -> ColumnElement[bool]:
    """Whether the row with this primary key exists: one index probe per row of the page, whoever the viewer. An
    EXISTS may be planned as a hash of every row of the viewer's (all their follows, all their favorites): cheap for
    most, hundreds of times dearer for one who follows thousands; a generic plan (routing.DriverRead) cannot tell."""
    return select(true()).select_from(table).where(*key).scalar_subquery().is_not(None)


def _profile(row: Row[Any]) -> ProfileView:
    return ProfileView(username=row.username, bio=row.bio, image=row.image, following=row.following)


def _user_id(username: ColumnElement[Any]) -> ColumnElement[Any]:
    return select(users.c.id).where(users.c.username == username).scalar_subquery()


def _accepts_session(account: FromClause, prefix: str = "") -> ColumnElement[bool]:
    """The rule of User.accepts_session, evaluated where the row is."""
    return or_(
        account.c.password_version == bindparam(f"{prefix}password_version"),
        account.c.password_changed_in == bindparam(f"{prefix}session_id"),
    )


# Built once: every signed-in request that writes runs it (and every one, with read replicas).
# On the primary always: a password change signs other sessions out at once, whatever a replica has replayed.
_SESSION_CHECK = select(
    _accepts_session(users).label("accepted"), users.c.email, users.c.username, users.c.bio, users.c.image
).where(users.c.id == bindparam("user_id"))
# The same rule, carried as one more column by the request's first read (routing.ReadRouting.check_with_next_read):
# NULL when the account is gone. Its own alias of users, uncorrelated: the read it rides on may select from users.
_SIGNED_IN = "signed_in_"
_session_account = users.alias("session_account")
_SESSION_ACCEPTED = CarriedCheck(
    select(_accepts_session(_session_account, _SIGNED_IN))
    .where(_session_account.c.id == bindparam(f"{_SIGNED_IN}user_id"))
    .correlate(None)
    .scalar_subquery(),
    name="session_accepted",
)
# With read replicas: whether the user wrote within the window (their reads then stay on the primary) and, for a
# request that writes, the mark itself — in the same statement, so no round trip is added (routing.py).
_WROTE_RECENTLY = exists().where(
    recent_writes.c.user_id == bindparam("user_id"),
    recent_writes.c.wrote_at > func.now() - func.make_interval(0, 0, 0, 0, 0, 0, bindparam("window_seconds")),
)
_NOTE_WRITE = (
    postgresql.insert(recent_writes)
    .values(user_id=bindparam("user_id"), wrote_at=func.now())
    .on_conflict_do_update(index_elements=[recent_writes.c.user_id], set_={"wrote_at": func.now()})
)
_SESSION_CHECK_READ = DriverRead(_SESSION_CHECK)
_SESSION_CHECK_READS = {
    False: DriverRead(_SESSION_CHECK.add_columns(_WROTE_RECENTLY.label("wrote_recently"))),
    True: DriverRead(
        _SESSION_CHECK.add_columns(_WROTE_RECENTLY.label("wrote_recently")).add_cte(_NOTE_WRITE.cte("noted"))
    ),
}


class SqlUserQueries(UserQueries):
    def __init__(self, reads: Engine | ReadRouting) -> None:
        self._reads = reads_of(reads)

    def check_session(
        self, user_id: UserId, *, password_version: int, session_id: str, writing: bool = False
    ) -> SessionCheck | None:
        parameters = {"user_id": user_id, "password_version": password_version, "session_id": session_id}
        replicas = self._reads.has_replicas
        if replicas:
            parameters["window_seconds"] = self._reads.recent_write_seconds
        read = _SESSION_CHECK_READS[writing] if replicas else _SESSION_CHECK_READ
        rows = self._reads.fetch(read, parameters, primary=True)
        if not rows:
            return None
        row = rows[0]
        if replicas and (writing or row.wrote_recently):
            self._reads.stay_on_primary()  # the user reads their own writes
        account = AccountView(email=row.email, username=row.username, bio=row.bio, image=row.image)
        return SessionCheck(accepted=row.accepted, account=account)

    def check_session_with_next_read(
        self, user_id: UserId, *, password_version: int, session_id: str, settle: Callable[[bool | None], None]
    ) -> bool:
        parameters = {
            f"{_SIGNED_IN}user_id": user_id,
            f"{_SIGNED_IN}password_version": password_version,
            f"{_SIGNED_IN}session_id": session_id,
        }
        return self._reads.check_with_next_read(_SESSION_ACCEPTED, parameters, settle)

    def page(self, *, limit: int, offset: int) -> UserPage:
        columns = (users.c.username, users.c.email, users.c.bio, users.c.image, users.c.created_at)
        page = select(*columns).order_by(users.c.created_at, users.c.id).limit(limit).offset(offset)
        with self._reads.connect() as connection:
            rows = connection.execute(page).all()
            count = connection.execute(select(func.count()).select_from(users)).scalar_one()
        summaries = tuple(
            UserSummaryView(
                username=row.username, email=row.email, bio=row.bio, image=row.image, created_at=row.created_at
            )
            for row in rows
        )
        return UserPage(users=summaries, count=count)


_PROFILE = {
    signed_in: DriverRead(
        select(
            users.c.username, users.c.bio, users.c.image, _following(signed_in, users.c.id).label("following")
        ).where(users.c.username == bindparam("username"))
    )
    for signed_in in (False, True)
}


class SqlProfileQueries(ProfileQueries):
    def __init__(self, reads: Engine | ReadRouting) -> None:
        self._reads = reads_of(reads)

    def find(self, username: str, *, viewer_id: UserId | None) -> ProfileView | None:
        if not storable(username):
            return None
        rows = self._reads.fetch(_PROFILE[viewer_id is not None], _parameters(viewer_id, username=username))
        return _profile(rows[0]) if rows else None


class SqlArticleQueries(ArticleQueries):
    """Each article row carries its author's profile, tags, favoritesCount and the viewer's flags, and the total
    (from the counters, see counts.py): one statement per page, whatever the page size and whoever the viewer."""

    def __init__(self, reads: Engine | ReadRouting) -> None:
        self._reads = reads_of(reads)

    def find(self, article_id: ArticleId, *, viewer_id: UserId | None) -> ArticleView | None:
        return self._one(_one_statement("id", signed_in=viewer_id is not None), viewer_id, article_id)

    def find_by_slug(self, slug: str, *, viewer_id: UserId | None) -> ArticleView | None:
        if not storable(slug):
            return None
        return self._one(_one_statement("slug", signed_in=viewer_id is not None), viewer_id, slug)

    def search(self, criteria: ArticleFilter, *, viewer_id: UserId | None) -> ArticlePage:
        page, total = _page_statements(
            tag=criteria.tag is not None,
            author=criteria.author is not None,
            favorited_by=criteria.favorited_by is not None,
            feed=False,
            signed_in=viewer_id is not None,
        )
        values = {"tag": criteria.tag, "tag_list": [criteria.tag], "author": criteria.author}
        values["favorited_by"] = criteria.favorited_by
        parameters = _parameters(viewer_id, **values, limit=criteria.limit, offset=criteria.offset)
        return self._page(page, total, parameters)

    def feed(self, viewer_id: UserId, *, limit: int, offset: int) -> ArticlePage:
        page, total = _page_statements(tag=False, author=False, favorited_by=False, feed=True, signed_in=True)
        return self._page(page, total, _parameters(viewer_id, limit=limit, offset=offset))

    def _one(self, read: DriverRead, viewer_id: UserId | None, key: object) -> ArticleView | None:
        rows = self._reads.fetch(read, _parameters(viewer_id, key=key))
        return _article(rows[0], with_body=True) if rows else None

    def _page(self, page: DriverRead, total: DriverRead, parameters: dict[str, Any]) -> ArticlePage:
        rows = self._reads.fetch(page, parameters)
        if rows:
            count = rows[0].articles_count
        elif parameters["offset"] == 0:
            count = 0  # not one match
        else:  # past the end, no row carries the total: ask for it alone
            count = self._reads.fetch(total, parameters)[0][0]
        return ArticlePage(articles=tuple(_article(row, with_body=False) for row in rows), count=count)


def _articles_query(*, signed_in: bool, with_body: bool, followed_authors: bool = False) -> Select[Any]:
    """`followed_authors`: every row's author is one the viewer follows (the feed), so `following` needs no probe."""
    favorites_count = (
        select(func.count()).where(favorites.c.article_id == articles.c.id).scalar_subquery().label("favorites_count")
    )
    favorited = (
        _probe(favorites, favorites.c.user_id == _VIEWER, favorites.c.article_id == articles.c.id)
        if signed_in
        else false()
    )
    columns = [
        articles.c.slug,
        articles.c.title,
        articles.c.description,
        *([articles.c.body] if with_body else []),
        articles.c.tags,
        articles.c.created_at,
        articles.c.updated_at,
        favorites_count,
        favorited.label("favorited"),
        users.c.username,
        users.c.bio,
        users.c.image,
        (true() if followed_authors else _following(signed_in, articles.c.author_id)).label("following"),
    ]
    return select(*columns).select_from(articles.join(users, users.c.id == articles.c.author_id))


@functools.cache
def _one_statement(by: Literal["id", "slug"], *, signed_in: bool) -> DriverRead:
    return DriverRead(_articles_query(signed_in=signed_in, with_body=True).where(articles.c[by] == bindparam("key")))


# How many rows a page's inner scan keeps: bigint, as a page at the largest offset allowed (2**31 - 1) goes past int4.
_LIMIT_PLUS_OFFSET = cast(bindparam("limit", type_=Integer), BigInteger) + bindparam("offset", type_=Integer)


@functools.cache
def _page_statements(
    *, tag: bool, author: bool, favorited_by: bool, feed: bool, signed_in: bool
) -> tuple[DriverRead, DriverRead]:
    """A page of one shape, carrying the total in every row; and the total alone, for a page past the end."""
    conditions: list[ColumnElement[bool]] = []
    if tag and not (author or favorited_by):
        # The tag's newest limit + offset articles, one backward range scan of article_tags' key (in this order);
        # the outer query orders and skips them as every list does.
        newest = (
            select(article_tags.c.article_id)
            .where(article_tags.c.tag == bindparam("tag"))
            .order_by(article_tags.c.created_at.desc(), article_tags.c.article_id.desc())
            .limit(_LIMIT_PLUS_OFFSET)
        )
        conditions.append(articles.c.id.in_(newest))
    elif tag:  # with another filter the page is bounded by that one's rows, checked against the tag (GIN)
        conditions.append(articles.c.tags.contains(bindparam("tag_list", type_=articles.c.tags.type)))
    if author:
        conditions.append(articles.c.author_id == _user_id(bindparam("author")))
    if favorited_by:
        fans_favorites = select(favorites.c.article_id).where(
            favorites.c.user_id == _user_id(bindparam("favorited_by"))
        )
        conditions.append(articles.c.id.in_(fans_favorites))
    if feed:
        # Each followed author's newest limit + offset articles (one index range scan per author), and of those the
        # page's ids: the cost follows whom the viewer follows, never how many newer articles others wrote, and the
        # outer query works out authors, counts and flags for the page's rows only (so it skips nothing more).
        per_author = (
            select(articles.c.id, articles.c.created_at)
            .where(articles.c.author_id == follows.c.followee_id)
            .order_by(articles.c.created_at.desc(), articles.c.id.desc())
            .limit(_LIMIT_PLUS_OFFSET)
            .lateral("per_author")
        )
        feed_page = (
            select(per_author.c.id)
            .select_from(follows.join(per_author, true()))
            .where(follows.c.follower_id == _VIEWER)
            .order_by(per_author.c.created_at.desc(), per_author.c.id.desc())
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
        )
        conditions.append(articles.c.id.in_(feed_page))
        total = counts.feed_total(_VIEWER)
    else:
        total = counts.search_total(
            tag=bindparam("tag") if tag else None,
            author=bindparam("author") if author else None,
            favorited_by=bindparam("favorited_by") if favorited_by else None,
            conditions=conditions,
        )
    page = (
        _articles_query(signed_in=signed_in, with_body=False, followed_authors=feed)
        .where(*conditions)
        .order_by(articles.c.created_at.desc(), articles.c.id.desc())
        .limit(bindparam("limit"))
        .offset(None if feed else bindparam("offset"))  # the feed's page is cut inside
        .add_columns(total.label("articles_count"))  # uncorrelated: computed once per statement
    )
    # Prepared (routing.DriverRead) only where one plan suits every value: not where the favorites of a user pick
    # the rows (three or thousands), nor where the tag's GIN lookup meets another filter.
    plan_stable = not favorited_by and not (tag and author)
    return (
        DriverRead(page, prepare=plan_stable, window=plan_stable),
        DriverRead(select(total.label("articles_count")), prepare=plan_stable),
    )


def _article(row: Row[Any], *, with_body: bool) -> ArticleView:
    return ArticleView(
        slug=row.slug,
        title=row.title,
        description=row.description,
        body=row.body if with_body else None,
        tags=tuple(row.tags),
        created_at=row.created_at,
        updated_at=row.updated_at,
        favorited=row.favorited,
        favorites_count=row.favorites_count,
        author=_profile(row),
    )


# One statement: the article LEFT JOINed to its comments tells "no article" (no row) from "no comments".
_COMMENTS = {
    signed_in: DriverRead(
        select(
            comments.c.id,
            comments.c.body,
            comments.c.created_at,
            comments.c.updated_at,
            users.c.username,
            users.c.bio,
            users.c.image,
            _following(signed_in, comments.c.author_id).label("following"),
        )
        .select_from(
            articles.outerjoin(comments, comments.c.article_id == articles.c.id).outerjoin(
                users, users.c.id == comments.c.author_id
            )
        )
        .where(articles.c.slug == bindparam("slug"))
        .order_by(comments.c.created_at.desc(), comments.c.id.desc())
    )
    for signed_in in (False, True)
}


class SqlCommentQueries(CommentQueries):
    def __init__(self, reads: Engine | ReadRouting) -> None:
        self._reads = reads_of(reads)

    def for_article(self, slug: str, *, viewer_id: UserId | None) -> list[CommentView] | None:
        if not storable(slug):
            return None
        rows = self._reads.fetch(_COMMENTS[viewer_id is not None], _parameters(viewer_id, slug=slug))
        if not rows:
            return None
        return [
            CommentView(
                id=CommentId(row.id),
                body=row.body,
                created_at=row.created_at,
                updated_at=row.updated_at,
                author=_profile(row),
            )
            for row in rows
            if row.id is not None
        ]


class SqlTagQueries(TagQueries):
    def __init__(self, reads: Engine | ReadRouting) -> None:
        self._reads = reads_of(reads)

    def all(self) -> tuple[str, ...]:
        # From the tags table (code-point order, as the domain sorts tags), kept per process while it holds.
        return counts.tag_list(self._reads)
