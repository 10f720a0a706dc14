"""Profiles: read one, follow and unfollow its owner."""

from dataclasses import dataclass
from datetime import datetime

from application.ports import Clock, UnitOfWork
from application.queries import ProfileQueries
from application.views import ProfileView
from domain.errors import ProfileNotFound
from domain.follows import Follow
from domain.ids import UserId


@dataclass(frozen=True, kw_only=True)
class GetProfileCommand:
    username: str
    viewer_id: UserId | None = None


class GetProfile:
    def __init__(self, profiles: ProfileQueries) -> None:
        self._profiles = profiles

    def __call__(self, cmd: GetProfileCommand) -> ProfileView:
        if (profile := self._profiles.find(cmd.username, viewer_id=cmd.viewer_id)) is None:
            raise ProfileNotFound()
        return profile


@dataclass(frozen=True, kw_only=True)
class FollowCommand:
    follower_id: UserId
    username: str


class FollowUser:
    """Follow a user. Idempotent: following twice is the same as once."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    def __call__(self, cmd: FollowCommand) -> ProfileView:
        now: datetime = self._clock.now()
        with self._uow as uow:
            followee = uow.users.get_by_username(cmd.username)
            uow.follows.add(Follow(follower_id=cmd.follower_id, followee_id=followee.id, created_at=now))
            uow.commit()
        return ProfileView.of(followee, following=True)


class UnfollowUser:
    """Stop following a user. Idempotent."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: FollowCommand) -> ProfileView:
        with self._uow as uow:
            followee = uow.users.get_by_username(cmd.username)
            uow.follows.remove(cmd.follower_id, followee.id)
            uow.commit()
        return ProfileView.of(followee, following=False)
