"""The RealWorld JSON envelopes. Requests are parsed here; rules on values live in the domain."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from application.views import ProfileView, UserView


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class NewUser(_Request):
    username: str
    email: str
    password: str


class NewUserRequest(_Request):
    user: NewUser


class LoginUser(_Request):
    email: str
    password: str


class LoginUserRequest(_Request):
    user: LoginUser


class UpdateUser(_Request):
    """Partial update: absent fields are kept. `null` clears bio or image and is refused for the others."""

    email: str | None = None
    username: str | None = None
    password: str | None = None
    bio: str | None = None
    image: str | None = None


class UpdateUserRequest(_Request):
    user: UpdateUser


class User(BaseModel):
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None


class UserResponse(BaseModel):
    user: User

    @classmethod
    def of(cls, view: UserView) -> "UserResponse":
        return cls(
            user=User(email=view.email, token=view.token, username=view.username, bio=view.bio, image=view.image)
        )


class Profile(BaseModel):
    username: str
    bio: str | None
    image: str | None
    following: bool


class ProfileResponse(BaseModel):
    profile: Profile

    @classmethod
    def of(cls, view: ProfileView) -> "ProfileResponse":
        return cls(profile=Profile(username=view.username, bio=view.bio, image=view.image, following=view.following))


class ErrorResponse(BaseModel):
    """Every error: field (or resource) name → messages, e.g. `{"errors": {"email": ["can't be blank"]}}`."""

    errors: dict[str, list[str]] = Field(examples=[{"email": ["can't be blank"]}])


UNAUTHORIZED = "Missing, malformed, invalid or expired token"


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error statuses a route can answer, all with the ErrorResponse body."""
    return {status: {"model": ErrorResponse, "description": text} for status, text in descriptions.items()}
