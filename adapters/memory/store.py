"""Committed state of the in-memory adapter: one collection per aggregate, guarded by one lock."""

import threading
from dataclasses import dataclass, field
from datetime import datetime

from domain.ids import UserId
from domain.users import User

FollowKey = tuple[UserId, UserId]


@dataclass
class InMemoryStore:
    users: dict[UserId, User] = field(default_factory=dict)
    follows: dict[FollowKey, datetime] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
