"""Bulk demo data into the in-memory store: each batch through one unit of work, so the same rules hold."""

from collections.abc import Container, Sequence
from typing import TypeVar

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.ports import DemoDataWriter
from domain.articles import Article
from domain.comments import Comment
from domain.errors import AlreadyExists
from domain.favorites import Favorite
from domain.follows import Follow
from domain.users import User

K = TypeVar("K")


class InMemoryDemoDataWriter(DemoDataWriter):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def is_empty(self) -> bool:
        with self._store.lock:
            return not self._store.users

    def add_users(self, users: Sequence[User]) -> None:
        with InMemoryUnitOfWork(self._store) as uow:
            for user in users:
                uow.users.add(user)
            uow.commit()

    def add_follows(self, follows: Sequence[Follow]) -> None:
        with self._store.lock, InMemoryUnitOfWork(self._store) as uow:
            # Strict, unlike the idempotent repository: a repeated pair is a bug in the generator (as in SQL).
            _refuse_repeats([follow.key for follow in follows], self._store.follows, "follow")
            for follow in follows:
                uow.follows.add(follow)
            uow.commit()

    def add_articles(self, articles: Sequence[Article]) -> None:
        with InMemoryUnitOfWork(self._store) as uow:
            for article in articles:
                uow.articles.add(article)
            uow.commit()

    def add_comments(self, comments: Sequence[Comment]) -> None:
        with InMemoryUnitOfWork(self._store) as uow:
            for comment in comments:
                uow.comments.add(comment)
            uow.commit()

    def add_favorites(self, favorites: Sequence[Favorite]) -> None:
        with self._store.lock, InMemoryUnitOfWork(self._store) as uow:
            _refuse_repeats([favorite.key for favorite in favorites], self._store.favorites, "favorite")
            for favorite in favorites:
                uow.favorites.add(favorite)
            uow.commit()


def _refuse_repeats(keys: list[K], stored: Container[K], name: str) -> None:
    if len(set(keys)) < len(keys) or any(key in stored for key in keys):
        raise AlreadyExists(name)
