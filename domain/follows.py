"""Follows: a tiny aggregate keyed by (follower, followee)."""

from dataclasses import dataclass
from datetime import datetime

from domain.errors import CannotFollowSelf
from domain.ids import UserId


@dataclass(eq=False, kw_only=True)
class Follow:
    follower_id: UserId
    followee_id: UserId
    created_at: datetime

    def __post_init__(self) -> None:
        if self.follower_id == self.followee_id:
            raise CannotFollowSelf()

    @property
    def key(self) -> tuple[UserId, UserId]:
        return (self.follower_id, self.followee_id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Follow) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)
