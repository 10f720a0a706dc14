"""Ports: what the use cases need from the outside world. Adapters implement them."""

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Self

from domain.articles import Article
from domain.comments import Comment
from domain.errors import ArticleNotFound, CommentNotFound, ProfileNotFound
from domain.favorites import Favorite
from domain.follows import Follow
from domain.ids import ArticleId, CommentId, UserId
from domain.users import User


class UserRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, user: User) -> None: ...

    @abc.abstractmethod
    def find_by_id(self, user_id: UserId) -> User | None: ...

    @abc.abstractmethod
    def find_by_username(self, username: str) -> User | None: ...

    @abc.abstractmethod
    def find_by_email(self, email: str) -> User | None:
        """Emails compare case-insensitively."""

    def get_by_username(self, username: str) -> User:
        if (user := self.find_by_username(username)) is None:
            raise ProfileNotFound()
        return user


class FollowRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, follow: Follow) -> None:
        """Idempotent: adding a follow that exists already changes nothing."""

    @abc.abstractmethod
    def remove(self, follower_id: UserId, followee_id: UserId) -> None:
        """Idempotent: removing a follow that does not exist changes nothing."""

    @abc.abstractmethod
    def exists(self, follower_id: UserId, followee_id: UserId) -> bool: ...


class ArticleRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, article: Article) -> None: ...

    @abc.abstractmethod
    def remove(self, article: Article) -> None:
        """Its comments and favorites go with it."""

    @abc.abstractmethod
    def find_by_slug(self, slug: str, *, for_update: bool = False) -> Article | None:
        """`for_update`: the caller will change or delete the article; concurrent writers wait their turn, so
        no edit is lost and a racing delete is seen as "not found"."""

    def get_by_slug(self, slug: str, *, for_update: bool = False) -> Article:
        if (article := self.find_by_slug(slug, for_update=for_update)) is None:
            raise ArticleNotFound()
        return article


class CommentRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, comment: Comment) -> None:
        """Stores the comment and assigns its id."""

    @abc.abstractmethod
    def remove(self, comment: Comment) -> None: ...

    @abc.abstractmethod
    def find(self, comment_id: CommentId, *, article_id: ArticleId) -> Comment | None:
        """The comment with this id on this article (a comment id under another article is not found)."""

    def get(self, comment_id: CommentId, *, article_id: ArticleId) -> Comment:
        if (comment := self.find(comment_id, article_id=article_id)) is None:
            raise CommentNotFound()
        return comment


class FavoriteRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, favorite: Favorite) -> None:
        """Idempotent: favoriting twice is the same as once."""

    @abc.abstractmethod
    def remove(self, user_id: UserId, article_id: ArticleId) -> None:
        """Idempotent."""


class UnitOfWork(abc.ABC):
    """One transaction. Leaving the block without `commit()` rolls everything back."""

    users: UserRepository
    follows: FollowRepository
    articles: ArticleRepository
    comments: CommentRepository
    favorites: FavoriteRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rollback()  # a no-op after a successful commit

    @abc.abstractmethod
    def commit(self) -> None:
        """Make the changes durable. Raises the domain error for a broken uniqueness rule."""

    @abc.abstractmethod
    def rollback(self) -> None: ...


class DemoDataWriter(abc.ABC):
    """Bulk storage for generated demo data, bypassing the unit of work for speed.

    Each call stores one batch in its own transaction: all of it, or nothing and the domain error of the rule it
    breaks (as a unit of work's commit would). Rows that reference others (an article's author, a comment's
    article) must come after those were stored.
    """

    @abc.abstractmethod
    def is_empty(self) -> bool:
        """No account is stored (and so nothing else: every row hangs off a user)."""

    @abc.abstractmethod
    def add_users(self, users: Sequence[User]) -> None: ...

    @abc.abstractmethod
    def add_follows(self, follows: Sequence[Follow]) -> None: ...

    @abc.abstractmethod
    def add_articles(self, articles: Sequence[Article]) -> None: ...

    @abc.abstractmethod
    def add_comments(self, comments: Sequence[Comment]) -> None:
        """The store numbers the comments; their ids are not reported back."""

    @abc.abstractmethod
    def add_favorites(self, favorites: Sequence[Favorite]) -> None: ...


class ProgressReporter(Protocol):
    """Told how a long job advances, stage by stage (e.g. a progress bar on a terminal)."""

    def begin(self, stages: Sequence[tuple[str, int]]) -> None:
        """Every stage the job will go through, in order, with how many items each has."""

    def advance(self, stage: str, amount: int) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def burn_time(self, password: str) -> None:
        """Spend what a verification costs, so an unknown email takes as long as a wrong password."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: UserId
    password_version: int  # the account's password version when the token was issued
    session_id: str  # one per sign-in (register or login); kept by the tokens PUT /api/user hands out


class TokenService(Protocol):
    def issue(self, user_id: UserId, *, password_version: int, session_id: str | None = None) -> str:
        """A token for a new sign-in session, or for `session_id` when given."""

    def read(self, token: str) -> TokenClaims:
        """Raises Unauthenticated for a malformed, forged or expired token."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
