"""Accounts: register, sign in, read and update the current user."""

from dataclasses import dataclass

from application.paging import PAGE_SIZE_DEFAULT, check_window
from application.ports import Clock, PasswordHasher, TokenService, UnitOfWork
from application.queries import UserQueries
from application.views import UserPage, UserView
from domain.errors import EmailTaken, InvalidCredentials, Unauthenticated, UsernameTaken
from domain.ids import UserId
from domain.users import (
    KEEP,
    Change,
    User,
    raise_if_invalid,
    validate_profile_update,
    validate_registration,
)
from domain.validation import BLANK, check_lookup


def _current_user(uow: UnitOfWork, user_id: UserId) -> User:
    """The signed-in user; a valid token for an account that no longer exists is not a valid sign-in."""
    if (user := uow.users.find_by_id(user_id)) is None:
        raise Unauthenticated()
    return user


@dataclass(frozen=True, kw_only=True)
class RegisterUserCommand:
    username: str
    email: str
    password: str


class RegisterUser:
    """Create an account; usernames are unique, emails unique regardless of case."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenService, clock: Clock) -> None:
        self._uow, self._hasher, self._tokens, self._clock = uow, hasher, tokens, clock

    def __call__(self, cmd: RegisterUserCommand) -> UserView:
        validate_registration(username=cmd.username, email=cmd.email, password=cmd.password)
        password_hash = self._hasher.hash(cmd.password)  # CPU-heavy: done before a connection is taken
        with self._uow as uow:
            if uow.users.find_by_username(cmd.username) is not None:
                raise UsernameTaken()
            if uow.users.find_by_email(cmd.email) is not None:
                raise EmailTaken()
            user = User.register(
                username=cmd.username, email=cmd.email, password_hash=password_hash, now=self._clock.now()
            )
            uow.users.add(user)
            uow.commit()  # a concurrent registration still fails here, on the unique constraints
        return UserView.of(user, self._tokens.issue(user.id, password_version=user.password_version))


@dataclass(frozen=True, kw_only=True)
class LoginCommand:
    email: str
    password: str


class Login:
    """Exchange credentials for a token. Unknown email and wrong password look the same from outside."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenService) -> None:
        self._uow, self._hasher, self._tokens = uow, hasher, tokens

    def __call__(self, cmd: LoginCommand) -> UserView:
        raise_if_invalid(
            {
                "email": check_lookup(cmd.email) if cmd.email.strip() else BLANK,
                "password": check_lookup(cmd.password) if cmd.password else BLANK,
            }
        )
        with self._uow as uow:
            user = uow.users.find_by_email(cmd.email)
            uow.commit()
        if user is None:
            self._hasher.burn_time(cmd.password)
            raise InvalidCredentials()
        if not self._hasher.verify(user.password_hash, cmd.password):
            raise InvalidCredentials()
        return UserView.of(user, self._tokens.issue(user.id, password_version=user.password_version))


@dataclass(frozen=True, kw_only=True)
class UpdateUserCommand:
    """A partial update: KEEP leaves a field alone; None clears bio or image and is refused elsewhere."""

    user_id: UserId
    session_id: str | None = None  # the caller's sign-in session: it survives a password change
    username: Change[str | None] = KEEP
    email: Change[str | None] = KEEP
    password: Change[str | None] = KEEP
    bio: Change[str | None] = KEEP
    image: Change[str | None] = KEEP


class UpdateUser:
    """Change the current user's account and profile; answers with a fresh token."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenService, clock: Clock) -> None:
        self._uow, self._hasher, self._tokens, self._clock = uow, hasher, tokens, clock

    def __call__(self, cmd: UpdateUserCommand) -> UserView:
        validate_profile_update(
            username=cmd.username, email=cmd.email, password=cmd.password, bio=cmd.bio, image=cmd.image
        )
        password_hash = None
        if cmd.password is not KEEP:
            assert cmd.password is not None
            password_hash = self._hasher.hash(cmd.password)
        with self._uow as uow:
            user = _current_user(uow, cmd.user_id)
            # Look for clashes before changing anything: a query would otherwise flush the change early.
            if cmd.username is not KEEP and cmd.username != user.username:
                assert cmd.username is not None
                if uow.users.find_by_username(cmd.username) is not None:
                    raise UsernameTaken()
            if cmd.email is not KEEP:
                assert cmd.email is not None
                holder = uow.users.find_by_email(cmd.email)
                if holder is not None and holder != user:
                    raise EmailTaken()
            now = self._clock.now()
            user.update_profile(
                now=now,
                username=cmd.username if cmd.username is not None else KEEP,
                email=cmd.email if cmd.email is not None else KEEP,
                bio=cmd.bio,
                image=cmd.image,
            )
            if password_hash is not None:
                user.change_password_hash(password_hash, now=now, session_id=cmd.session_id)
            uow.commit()
        return UserView.of(
            user, self._tokens.issue(user.id, password_version=user.password_version, session_id=cmd.session_id)
        )


@dataclass(frozen=True, kw_only=True)
class ListUsersCommand:
    limit: int = PAGE_SIZE_DEFAULT
    offset: int = 0


class ListUsers:
    """Page through every account, oldest first (an operator's view: emails, never password hashes)."""

    def __init__(self, users: UserQueries) -> None:
        self._users = users

    def __call__(self, cmd: ListUsersCommand) -> UserPage:
        check_window(cmd.limit, cmd.offset)
        return self._users.page(limit=cmd.limit, offset=cmd.offset)
