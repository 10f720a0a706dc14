"""Read ports: answers built straight from storage, without loading aggregates.

Each answer costs a fixed number of statements in SQL, whatever the page size and whoever the viewer.
"""

import abc
from collections.abc import Callable
from dataclasses import dataclass

from application.views import ArticlePage, ArticleView, CommentView, ProfileView, SessionCheck, UserPage
from domain.errors import ArticleNotFound
from domain.ids import ArticleId, UserId


class UserQueries(abc.ABC):
    @abc.abstractmethod
    def page(self, *, limit: int, offset: int) -> UserPage:
        """Every account, oldest first (ties broken by id), so pages stay put as people sign up."""

    @abc.abstractmethod
    def check_session(
        self, user_id: UserId, *, password_version: int, session_id: str, writing: bool = False
    ) -> SessionCheck | None:
        """`User.accepts_session` for the stored account, with the account, in one read; None when there is no
        such account. `writing`: the caller goes on to write; an adapter that serves reads from replicas makes
        sure this user reads their own writes from now on."""

    def check_session_with_next_read(
        self,
        user_id: UserId,
        *,
        password_version: int,
        session_id: str,
        settle: Callable[[bool | None], None],
    ) -> bool:
        """The same check, made by the next read of this request's thread rather than a read of its own, where the
        adapter can: that read then calls `settle` with the outcome (as `SessionCheck.accepted`, or None when there
        is no such account) before it returns anything, and `settle` may raise. False where the adapter cannot;
        the caller then checks at once. Only for a request that writes nothing."""
        return False


class ProfileQueries(abc.ABC):
    @abc.abstractmethod
    def find(self, username: str, *, viewer_id: UserId | None) -> ProfileView | None:
        """The profile of `username` as `viewer_id` sees it (`following`), or None when there is no such user."""


@dataclass(frozen=True, kw_only=True)
class ArticleFilter:
    """Filters combine (AND); None means no filter on that field."""

    tag: str | None = None
    author: str | None = None  # username
    favorited_by: str | None = None  # username
    limit: int = 20
    offset: int = 0


class ArticleQueries(abc.ABC):
    @abc.abstractmethod
    def find(self, article_id: ArticleId, *, viewer_id: UserId | None) -> ArticleView | None: ...

    @abc.abstractmethod
    def find_by_slug(self, slug: str, *, viewer_id: UserId | None) -> ArticleView | None: ...

    def get(self, article_id: ArticleId, *, viewer_id: UserId | None) -> ArticleView:
        if (view := self.find(article_id, viewer_id=viewer_id)) is None:
            raise ArticleNotFound()  # e.g. deleted by its author between our commit and this read
        return view

    def get_by_slug(self, slug: str, *, viewer_id: UserId | None) -> ArticleView:
        if (view := self.find_by_slug(slug, viewer_id=viewer_id)) is None:
            raise ArticleNotFound()
        return view

    @abc.abstractmethod
    def search(self, criteria: ArticleFilter, *, viewer_id: UserId | None) -> ArticlePage:
        """Newest first (ties broken by id); items have no body."""

    @abc.abstractmethod
    def feed(self, viewer_id: UserId, *, limit: int, offset: int) -> ArticlePage:
        """Articles by the authors `viewer_id` follows, newest first; items have no body."""


class CommentQueries(abc.ABC):
    @abc.abstractmethod
    def for_article(self, slug: str, *, viewer_id: UserId | None) -> list[CommentView] | None:
        """Newest first; None when there is no such article."""


class TagQueries(abc.ABC):
    @abc.abstractmethod
    def all(self) -> tuple[str, ...]:
        """Every tag in use, sorted."""
