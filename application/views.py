"""What use cases return: plain, immutable data, never a mapped entity."""

from dataclasses import dataclass

from domain.users import User


@dataclass(frozen=True, slots=True)
class UserView:
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None

    @classmethod
    def of(cls, user: User, token: str) -> "UserView":
        return cls(email=user.email, token=token, username=user.username, bio=user.bio, image=user.image)


@dataclass(frozen=True, slots=True)
class ProfileView:
    username: str
    bio: str | None
    image: str | None
    following: bool

    @classmethod
    def of(cls, user: User, *, following: bool) -> "ProfileView":
        return cls(username=user.username, bio=user.bio, image=user.image, following=following)
