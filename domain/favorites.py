"""Favorites: a tiny aggregate keyed by (user, article)."""

from dataclasses import dataclass
from datetime import datetime

from domain.ids import ArticleId, UserId


@dataclass(frozen=True, kw_only=True)
class Favorite:
    user_id: UserId
    article_id: ArticleId
    created_at: datetime

    @property
    def key(self) -> tuple[UserId, ArticleId]:
        return (self.user_id, self.article_id)
