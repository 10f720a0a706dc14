"""A transactional in-memory unit of work: pending changes are checked and published atomically by commit."""

from collections import Counter
from collections.abc import Iterable
from typing import Self

from adapters.memory.repositories import (
    InMemoryArticleRepository,
    InMemoryCommentRepository,
    InMemoryFavoriteRepository,
    InMemoryFollowRepository,
    InMemoryUserRepository,
    PendingChanges,
)
from adapters.memory.store import InMemoryStore
from application.ports import UnitOfWork
from domain.errors import (
    ArticleNotFound,
    CannotFollowSelf,
    DomainError,
    EmailTaken,
    ProfileNotFound,
    SlugTaken,
    Unauthenticated,
    UsernameTaken,
)


def _has_duplicates(values: Iterable[object]) -> bool:
    return any(n > 1 for n in Counter(values).values())


class InMemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.commits = 0
        self._begin()

    def __enter__(self) -> Self:
        self._begin()
        return super().__enter__()

    def _begin(self) -> None:
        self._pending = pending = PendingChanges(self.store)
        self.users = InMemoryUserRepository(pending)
        self.follows = InMemoryFollowRepository(pending)
        self.articles = InMemoryArticleRepository(pending)
        self.comments = InMemoryCommentRepository(self.store, pending)
        self.favorites = InMemoryFavoriteRepository(pending)

    def commit(self) -> None:
        p, s = self._pending, self.store
        with s.lock:
            users, _ = p.users.merged_into(s.users)
            articles, new_articles = p.articles.merged_into(s.articles)
            comments, new_comments = p.comments.merged_into(s.comments)
            follows, new_follows = p.follows.merged_into(s.follows)
            favorites, new_favorites = p.favorites.merged_into(s.favorites)
            # The rules the database enforces with its unique, check and foreign-key constraints ...
            checks: list[tuple[bool, type[DomainError]]] = [
                (_has_duplicates(u.username for u in users.values()), UsernameTaken),
                (_has_duplicates(u.email.lower() for u in users.values()), EmailTaken),
                (_has_duplicates(a.slug for a in articles.values()), SlugTaken),
                (any(a == b for a, b in new_follows), CannotFollowSelf),
                (any(follower not in users for follower, _ in new_follows), Unauthenticated),
                (any(followee not in users for _, followee in new_follows), ProfileNotFound),
                (any(articles[k].author_id not in users for k in new_articles), Unauthenticated),
                (any(comments[k].author_id not in users for k in new_comments), Unauthenticated),
                (any(comments[k].article_id not in articles for k in new_comments), ArticleNotFound),
                (any(user not in users for user, _ in new_favorites), Unauthenticated),
                (any(article not in articles for _, article in new_favorites), ArticleNotFound),
            ]
            if error := next((error for failed, error in checks if failed), None):
                self._begin()  # a failed commit rolls back, as the database does
                raise error()
            # ... and its ON DELETE CASCADE.
            s.users, s.articles = users, articles
            s.comments = {k: c for k, c in comments.items() if c.article_id in articles}
            s.favorites = {k: v for k, v in favorites.items() if k[1] in articles}
            s.follows = follows
            p.users.after_commit(s.users)
            p.follows.after_commit(s.follows)
            p.articles.after_commit(s.articles)
            p.comments.after_commit(s.comments)
            p.favorites.after_commit(s.favorites)
        self.commits += 1

    def rollback(self) -> None:
        self._begin()
