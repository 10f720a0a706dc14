"""Repositories over one unit of work's private changes; they behave like the SQL ones (see tests/contract).

Callers never hold the committed objects: a repository hands out copies, kept in the unit of work's identity
map, so an edit is only seen by others after commit and a rollback simply forgets it.
"""

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from adapters.memory.store import FollowKey, InMemoryStore
from application.ports import FollowRepository, UserRepository
from domain.follows import Follow
from domain.ids import UserId
from domain.users import User


@dataclass
class PendingChanges:
    users: dict[UserId, User] = field(default_factory=dict)  # loaded (copies) or added in this unit of work
    follows_added: dict[FollowKey, datetime] = field(default_factory=dict)
    follows_removed: set[FollowKey] = field(default_factory=set)


class InMemoryUserRepository(UserRepository):
    def __init__(self, store: InMemoryStore, pending: PendingChanges) -> None:
        self._store, self._pending = store, pending

    def add(self, user: User) -> None:
        self._pending.users[user.id] = user  # uniqueness is checked at commit, as the database does

    def find_by_id(self, user_id: UserId) -> User | None:
        return next((u for u in self._candidates() if u.id == user_id), None)

    def find_by_username(self, username: str) -> User | None:
        return next((u for u in self._candidates() if u.username == username), None)

    def find_by_email(self, email: str) -> User | None:
        wanted = email.lower()
        return next((u for u in self._candidates() if u.email.lower() == wanted), None)

    def _candidates(self) -> Iterator[User]:
        yield from self._pending.users.values()
        with self._store.lock:
            committed = [u for uid, u in self._store.users.items() if uid not in self._pending.users]
        for user in committed:
            yield self._pending.users.setdefault(user.id, dataclasses.replace(user))


class InMemoryFollowRepository(FollowRepository):
    def __init__(self, store: InMemoryStore, pending: PendingChanges) -> None:
        self._store, self._pending = store, pending

    def add(self, follow: Follow) -> None:
        self._pending.follows_removed.discard(follow.key)
        if not self.exists(*follow.key):
            self._pending.follows_added[follow.key] = follow.created_at

    def remove(self, follower_id: UserId, followee_id: UserId) -> None:
        key = (follower_id, followee_id)
        self._pending.follows_added.pop(key, None)
        self._pending.follows_removed.add(key)

    def exists(self, follower_id: UserId, followee_id: UserId) -> bool:
        key = (follower_id, followee_id)
        if key in self._pending.follows_added:
            return True
        with self._store.lock:
            return key in self._store.follows and key not in self._pending.follows_removed
