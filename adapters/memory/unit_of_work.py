"""A transactional in-memory unit of work: pending changes are checked and published atomically by commit."""

import dataclasses
from collections import Counter
from datetime import datetime
from typing import Self

from adapters.memory.repositories import InMemoryFollowRepository, InMemoryUserRepository, PendingChanges
from adapters.memory.store import FollowKey, InMemoryStore
from application.ports import UnitOfWork
from domain.errors import EmailTaken, Unauthenticated, UsernameTaken
from domain.ids import UserId
from domain.users import User


def _fields(user: User | None) -> tuple[object, ...] | None:
    return None if user is None else tuple(getattr(user, f.name) for f in dataclasses.fields(user))


class InMemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.commits = 0
        self._begin()

    def __enter__(self) -> Self:
        self._begin()
        return super().__enter__()

    def _begin(self) -> None:
        self._pending = PendingChanges()
        self.users = InMemoryUserRepository(self.store, self._pending)
        self.follows = InMemoryFollowRepository(self.store, self._pending)

    def commit(self) -> None:
        pending = self._pending
        with self.store.lock:
            # Only what this unit of work changed is written, as copies: later edits must not leak in.
            changed = {
                uid: dataclasses.replace(user)
                for uid, user in pending.users.items()
                if _fields(user) != _fields(self.store.users.get(uid))
            }
            users = self.store.users | changed
            follows = {k: v for k, v in self.store.follows.items() if k not in pending.follows_removed}
            follows |= pending.follows_added
            self._check_constraints(users, follows)
            self.store.users, self.store.follows = users, follows
        self.commits += 1
        self._begin()

    def rollback(self) -> None:
        self._begin()

    @staticmethod
    def _check_constraints(users: dict[UserId, User], follows: dict[FollowKey, datetime]) -> None:
        """The rules the database enforces with its unique and foreign-key constraints."""
        if any(n > 1 for n in Counter(u.username for u in users.values()).values()):
            raise UsernameTaken()
        if any(n > 1 for n in Counter(u.email.lower() for u in users.values()).values()):
            raise EmailTaken()
        if any(follower not in users for follower, _ in follows):
            raise Unauthenticated()
