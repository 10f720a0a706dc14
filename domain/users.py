"""Users: who can sign in, and what their public profile shows."""

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal, TypeAlias, TypeVar

from domain.errors import InvalidInput
from domain.ids import UserId, new_user_id
from domain.validation import BLANK, INVALID_CHARACTERS, check_text, has_forbidden_characters

USERNAME_MAX_LENGTH: Final = 64
EMAIL_MAX_LENGTH: Final = 254
PASSWORD_MIN_LENGTH: Final = 8  # NIST SP 800-63B: at least 8, and accept at least 64
PASSWORD_MAX_LENGTH: Final = 256  # bounds the hashing work one request can ask for
BIO_MAX_LENGTH: Final = 10_000
IMAGE_MAX_LENGTH: Final = 2_048


class Keep(enum.Enum):
    """Marks a field an update leaves as it is (distinct from None, which clears a nullable field)."""

    KEEP = enum.auto()


KEEP: Final = Keep.KEEP
T = TypeVar("T")
Change: TypeAlias = T | Literal[Keep.KEEP]


def username_error(username: str | None) -> str | None:
    if (error := check_text(username, max_length=USERNAME_MAX_LENGTH, multiline=False)) is not None:
        return error
    assert username is not None
    if any(ch.isspace() or ch == "/" for ch in username):
        return "must not contain spaces or '/'"
    return None


def email_error(email: str | None) -> str | None:
    if (error := check_text(email, max_length=EMAIL_MAX_LENGTH, multiline=False)) is not None:
        return error
    assert email is not None
    local, at, domain = email.partition("@")
    if not at or not local or not domain or "@" in domain or any(ch.isspace() for ch in email):
        return "is invalid"
    return None


def password_error(password: str | None) -> str | None:
    if password is None or password == "":
        return BLANK
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"is too short (minimum is {PASSWORD_MIN_LENGTH} characters)"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"is too long (maximum is {PASSWORD_MAX_LENGTH} characters)"
    if has_forbidden_characters(password, multiline=False):
        return INVALID_CHARACTERS
    return None


def optional_text(value: str | None) -> str | None:
    """The spec stores an empty bio or image as null."""
    return value if value and value.strip() else None


def raise_if_invalid(checks: dict[str, str | None]) -> None:
    errors = {name: [message] for name, message in checks.items() if message is not None}
    if errors:
        raise InvalidInput(errors)


@dataclass(eq=False, kw_only=True)  # identity equality below; mapped classes must not be frozen
class User:
    """A registered account. The id never changes, so tokens survive a change of username or email."""

    id: UserId = field(default_factory=new_user_id)
    username: str
    email: str
    password_hash: str
    bio: str | None = None
    image: str | None = None
    created_at: datetime
    updated_at: datetime
    password_version: int = 0  # moves on each password change; tokens issued before it stop working ...
    password_changed_in: str | None = None  # ... except those of the sign-in session that changed it

    @classmethod
    def register(cls, *, username: str, email: str, password_hash: str, now: datetime) -> "User":
        return cls(username=username, email=email, password_hash=password_hash, created_at=now, updated_at=now)

    def update_profile(
        self,
        *,
        now: datetime,
        username: Change[str] = KEEP,
        email: Change[str] = KEEP,
        bio: Change[str | None] = KEEP,
        image: Change[str | None] = KEEP,
    ) -> None:
        """Apply a partial update; fields marked KEEP stay as they are. Nothing changes unless all are valid."""
        validate_profile_update(username=username, email=email, bio=bio, image=image)
        if username is not KEEP:
            self.username = username
        if email is not KEEP:
            self.email = email
        if bio is not KEEP:
            self.bio = optional_text(bio)
        if image is not KEEP:
            self.image = optional_text(image)
        self.updated_at = now

    def change_password_hash(self, password_hash: str, *, now: datetime, session_id: str | None = None) -> None:
        """Every other sign-in session is signed out; `session_id`, the one making the change, stays in."""
        self.password_hash = password_hash
        self.password_version += 1
        self.password_changed_in = session_id
        self.updated_at = now

    def accepts_session(self, *, password_version: int, session_id: str) -> bool:
        """Whether a token of this sign-in session, issued under that password version, still signs the user in."""
        return password_version == self.password_version or session_id == self.password_changed_in

    def __eq__(self, other: object) -> bool:
        return isinstance(other, User) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


def validate_profile_update(
    *,
    username: Change[str | None] = KEEP,
    email: Change[str | None] = KEEP,
    password: Change[str | None] = KEEP,
    bio: Change[str | None] = KEEP,
    image: Change[str | None] = KEEP,
) -> None:
    raise_if_invalid(
        {
            "username": None if username is KEEP else username_error(username),
            "email": None if email is KEEP else email_error(email),
            "password": None if password is KEEP else password_error(password),
            "bio": None if bio is KEEP else check_text(bio, max_length=BIO_MAX_LENGTH, required=False),
            "image": None
            if image is KEEP
            else check_text(image, max_length=IMAGE_MAX_LENGTH, required=False, multiline=False),
        }
    )


def validate_registration(*, username: str | None, email: str | None, password: str | None) -> None:
    """Check every field at once, so the client sees all that is wrong in one answer."""
    raise_if_invalid(
        {
            "username": username_error(username),
            "email": email_error(email),
            "password": password_error(password),
        }
    )
