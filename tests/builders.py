"""Test data builders: valid defaults, so a test spells out only what it is about."""

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from domain.articles import Article, normalize_tags, slugify
from domain.comments import Comment
from domain.favorites import Favorite
from domain.follows import Follow
from domain.ids import ArticleId, UserId, new_article_id, new_user_id
from domain.users import User

PASSWORD = "password123"
NOW = datetime(2026, 3, 14, 15, 9, 26, 535000, tzinfo=UTC)
_serial = itertools.count(1)


def a_user(
    *,
    user_id: UserId | None = None,
    username: str | None = None,
    email: str | None = None,
    password_hash: str = "not-a-real-hash",
    bio: str | None = None,
    image: str | None = None,
    created_at: datetime = NOW,
    updated_at: datetime | None = None,
) -> User:
    n = next(_serial)
    username = username if username is not None else f"user{n}"
    return User(
        id=user_id if user_id is not None else new_user_id(),
        username=username,
        email=email if email is not None else f"{username}@example.com",
        password_hash=password_hash,
        bio=bio,
        image=image,
        created_at=created_at,
        updated_at=updated_at if updated_at is not None else created_at,
    )


def committed(store: InMemoryStore, *users: User) -> None:
    """Put users in the store the way a use case would: through a unit of work that commits."""
    with InMemoryUnitOfWork(store) as uow:
        for user in users:
            uow.users.add(user)
        uow.commit()


class FixedClock:
    """A Clock that only moves when the test says so."""

    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta = timedelta(minutes=1)) -> datetime:
        self.current += delta
        return self.current


def an_article(
    *,
    author: User,
    article_id: ArticleId | None = None,
    title: str | None = None,
    description: str = "Ever wonder how?",
    body: str = "You have to believe",
    tags: Iterable[str] = (),
    created_at: datetime = NOW,
    updated_at: datetime | None = None,
) -> Article:
    """A valid article by `author`, its slug made from its title and id as `Article.write` makes it."""
    n = next(_serial)
    article_id = article_id if article_id is not None else new_article_id()
    title = title if title is not None else f"Article {n}"
    return Article(
        id=article_id,
        author_id=author.id,
        slug=slugify(title, article_id),
        title=title,
        description=description,
        body=body,
        tags=normalize_tags(tags),
        created_at=created_at,
        updated_at=updated_at if updated_at is not None else created_at,
    )


def a_comment(
    *, article: Article, author: User, body: str = "Thank you so much!", created_at: datetime = NOW
) -> Comment:
    """A comment not stored yet (no id): `committed_all` gives it one."""
    return Comment(article_id=article.id, author_id=author.id, body=body, created_at=created_at, updated_at=created_at)


def a_favorite(user: User, article: Article, *, created_at: datetime = NOW) -> Favorite:
    return Favorite(user_id=user.id, article_id=article.id, created_at=created_at)


def a_follow(follower: User, followee: User, *, created_at: datetime = NOW) -> Follow:
    return Follow(follower_id=follower.id, followee_id=followee.id, created_at=created_at)


def committed_all(
    store: InMemoryStore,
    *,
    articles: Iterable[Article] = (),
    comments: Iterable[Comment] = (),
    favorites: Iterable[Favorite] = (),
    follows: Iterable[Follow] = (),
) -> None:
    """Put articles, comments, favorites and follows in the store through one unit of work that commits
    (their users must be committed already). Comments get their ids."""
    with InMemoryUnitOfWork(store) as uow:
        for article in articles:
            uow.articles.add(article)
        for comment in comments:
            uow.comments.add(comment)
        for favorite in favorites:
            uow.favorites.add(favorite)
        for follow in follows:
            uow.follows.add(follow)
        uow.commit()


class TickingClock:
    """A Clock that moves forward by `step` every time it is read, so each write gets its own moment."""

    def __init__(self, start: datetime = NOW, step: timedelta = timedelta(seconds=1)) -> None:
        self.current, self.step = start, step

    def now(self) -> datetime:
        moment = self.current
        self.current += self.step
        return moment
