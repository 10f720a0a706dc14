"""Committed state of the in-memory adapter: one collection per aggregate, guarded by one lock."""

import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime

from domain.articles import Article
from domain.comments import Comment
from domain.ids import ArticleId, CommentId, UserId
from domain.users import User

FollowKey = tuple[UserId, UserId]  # (follower, followee)
FavoriteKey = tuple[UserId, ArticleId]  # (user, article)


@dataclass
class InMemoryStore:
    users: dict[UserId, User] = field(default_factory=dict)
    follows: dict[FollowKey, datetime] = field(default_factory=dict)
    articles: dict[ArticleId, Article] = field(default_factory=dict)
    comments: dict[CommentId, Comment] = field(default_factory=dict)
    favorites: dict[FavoriteKey, datetime] = field(default_factory=dict)
    comment_ids: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1), repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
