"""Repositories over one unit of work's pending changes; they behave like the SQL ones (see tests/contract).

Callers never hold committed objects: a repository hands out copies, kept per unit of work (an identity map),
so an edit is seen by others only after commit, and a rollback simply forgets it.
"""

import dataclasses
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Generic, TypeVar

from adapters.memory.store import FavoriteKey, FollowKey, InMemoryStore
from application.ports import (
    ArticleRepository,
    CommentRepository,
    FavoriteRepository,
    FollowRepository,
    UserRepository,
)
from domain.articles import Article
from domain.comments import Comment
from domain.favorites import Favorite
from domain.follows import Follow
from domain.ids import ArticleId, CommentId, UserId
from domain.users import User

K = TypeVar("K")
V = TypeVar("V")


def copy_entity(entity: Any) -> Any:
    """A detached copy of a dataclass entity (lists copied too); immutable values are shared as they are."""
    if not dataclasses.is_dataclass(entity) or isinstance(entity, type):
        return entity
    copied = dataclasses.replace(entity)
    for f in dataclasses.fields(entity):
        if isinstance(value := getattr(entity, f.name), list):
            setattr(copied, f.name, list(value))
    return copied


def state_of(value: Any) -> Any:
    """What commit compares to tell a changed entity from an untouched one."""
    if dataclasses.is_dataclass(value):
        return tuple(getattr(value, f.name) for f in dataclasses.fields(value))
    return value


class PendingTable(Generic[K, V]):
    """One unit of work's view of a committed table: its own changes first, then copies of committed rows."""

    def __init__(self, store: InMemoryStore, committed: Callable[[], dict[K, V]]) -> None:
        self._store, self._committed = store, committed
        self.touched: dict[K, V] = {}
        self.loaded: dict[K, Any] = {}  # state of each committed row when this unit of work first read it
        self.removed: set[K] = set()

    def get(self, key: K) -> V | None:
        if key in self.removed:
            return None
        if key in self.touched:
            return self.touched[key]
        with self._store.lock:
            value = self._committed().get(key)
        if value is None:
            return None
        copied: V = copy_entity(value)
        self.loaded[key] = state_of(value)
        return self.touched.setdefault(key, copied)

    def find(self, matches: Callable[[V], bool]) -> V | None:
        for key, value in self.items():
            if matches(value):
                return self.get(key)
        return None

    def items(self) -> Iterator[tuple[K, V]]:
        """Rows as this unit of work sees them (committed ones are not copied until `get`)."""
        yield from self.touched.items()
        with self._store.lock:
            committed = [(k, v) for k, v in self._committed().items() if k not in self.touched]
        yield from ((k, v) for k, v in committed if k not in self.removed)

    def put(self, key: K, value: V) -> None:
        self.removed.discard(key)
        self.touched[key] = value

    def delete(self, key: K) -> None:
        self.touched.pop(key, None)
        self.removed.add(key)

    def after_commit(self, committed: dict[K, V]) -> None:
        """Keep tracking what this unit of work holds, as a session does after commit; forget deleted rows."""
        self.touched = {k: v for k, v in self.touched.items() if k in committed}
        self.loaded = {k: state_of(v) for k, v in self.touched.items()}
        self.removed.clear()

    def merged_into(self, committed: dict[K, V]) -> tuple[dict[K, V], set[K]]:
        """The committed table with this unit of work's changes applied, and the keys it added.

        Like SQL UPDATEs, only rows this unit of work changed since it read them are written (as copies): a row
        it merely read never overwrites a newer commit, and a row deleted meanwhile is not brought back.
        """
        merged = {k: v for k, v in committed.items() if k not in self.removed}
        added = set()
        for key, value in self.touched.items():
            if key not in self.loaded:
                added.add(key)
                merged[key] = copy_entity(value)
            elif key in committed and state_of(value) != self.loaded[key]:
                merged[key] = copy_entity(value)
        return merged, added


class PendingChanges:
    """Everything one unit of work changed, table by table."""

    def __init__(self, store: InMemoryStore) -> None:
        self.users: PendingTable[UserId, User] = PendingTable(store, lambda: store.users)
        self.follows: PendingTable[FollowKey, datetime] = PendingTable(store, lambda: store.follows)
        self.articles: PendingTable[ArticleId, Article] = PendingTable(store, lambda: store.articles)
        self.comments: PendingTable[CommentId, Comment] = PendingTable(store, lambda: store.comments)
        self.favorites: PendingTable[FavoriteKey, datetime] = PendingTable(store, lambda: store.favorites)


class InMemoryUserRepository(UserRepository):
    def __init__(self, pending: PendingChanges) -> None:
        self._users = pending.users

    def add(self, user: User) -> None:
        self._users.put(user.id, user)  # uniqueness is checked at commit, as the database does

    def find_by_id(self, user_id: UserId) -> User | None:
        return self._users.get(user_id)

    def find_by_username(self, username: str) -> User | None:
        return self._users.find(lambda u: u.username == username)

    def find_by_email(self, email: str) -> User | None:
        wanted = email.lower()
        return self._users.find(lambda u: u.email.lower() == wanted)


class InMemoryFollowRepository(FollowRepository):
    def __init__(self, pending: PendingChanges) -> None:
        self._follows = pending.follows

    def add(self, follow: Follow) -> None:
        if self._follows.get(follow.key) is None:
            self._follows.put(follow.key, follow.created_at)

    def remove(self, follower_id: UserId, followee_id: UserId) -> None:
        self._follows.delete((follower_id, followee_id))

    def exists(self, follower_id: UserId, followee_id: UserId) -> bool:
        return self._follows.get((follower_id, followee_id)) is not None


class InMemoryArticleRepository(ArticleRepository):
    def __init__(self, pending: PendingChanges) -> None:
        self._articles = pending.articles

    def add(self, article: Article) -> None:
        self._articles.put(article.id, article)

    def remove(self, article: Article) -> None:
        self._articles.delete(article.id)  # commit cascades to comments and favorites, as the database does

    def find_by_slug(self, slug: str, *, for_update: bool = False) -> Article | None:  # one lock: commit
        return self._articles.find(lambda a: a.slug == slug)


class InMemoryCommentRepository(CommentRepository):
    def __init__(self, store: InMemoryStore, pending: PendingChanges) -> None:
        self._store, self._comments = store, pending.comments

    def add(self, comment: Comment) -> None:
        with self._store.lock:
            comment.id = CommentId(next(self._store.comment_ids))  # like a sequence: never reused
        self._comments.put(comment.id, comment)

    def remove(self, comment: Comment) -> None:
        if comment.id is not None:
            self._comments.delete(comment.id)

    def find(self, comment_id: CommentId, *, article_id: ArticleId) -> Comment | None:
        comment = self._comments.get(comment_id)
        return comment if comment is not None and comment.article_id == article_id else None


class InMemoryFavoriteRepository(FavoriteRepository):
    def __init__(self, pending: PendingChanges) -> None:
        self._favorites = pending.favorites

    def add(self, favorite: Favorite) -> None:
        if self._favorites.get(favorite.key) is None:
            self._favorites.put(favorite.key, favorite.created_at)

    def remove(self, user_id: UserId, article_id: ArticleId) -> None:
        self._favorites.delete((user_id, article_id))
