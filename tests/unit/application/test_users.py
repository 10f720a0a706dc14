import dataclasses
from datetime import timedelta

import pytest

from adapters.memory.queries import InMemoryUserQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.security import Argon2PasswordHasher, JwtTokenService
from application.auth import Authenticate
from application.users import (
    Login,
    LoginCommand,
    RegisterUser,
    RegisterUserCommand,
    UpdateUser,
    UpdateUserCommand,
)
from application.views import AccountView, UserView
from domain.errors import EmailTaken, InvalidCredentials, InvalidInput, Unauthenticated, UsernameTaken
from domain.ids import new_user_id
from domain.users import User
from domain.validation import BLANK
from tests.builders import NOW, PASSWORD, FixedClock, a_user, committed


@pytest.fixture
def register(
    uow: InMemoryUnitOfWork, hasher: Argon2PasswordHasher, tokens: JwtTokenService, clock: FixedClock
) -> RegisterUser:
    return RegisterUser(uow=uow, hasher=hasher, tokens=tokens, clock=clock)


@pytest.fixture
def login(uow: InMemoryUnitOfWork, hasher: Argon2PasswordHasher, tokens: JwtTokenService) -> Login:
    return Login(uow=uow, hasher=hasher, tokens=tokens)


@pytest.fixture
def update(
    uow: InMemoryUnitOfWork, hasher: Argon2PasswordHasher, tokens: JwtTokenService, clock: FixedClock
) -> UpdateUser:
    return UpdateUser(uow=uow, hasher=hasher, tokens=tokens, clock=clock)


@pytest.fixture
def jake(store: InMemoryStore, password_hash: str) -> User:
    user = a_user(username="jake", email="jake@jake.jake", password_hash=password_hash, bio="bio", image="img")
    committed(store, user)
    return user


@pytest.fixture
def amy(store: InMemoryStore, password_hash: str) -> User:
    user = a_user(username="amy", email="amy@jake.jake", password_hash=password_hash)
    committed(store, user)
    return user


def snapshot(store: InMemoryStore) -> dict[object, dict[str, object]]:
    return {user_id: dataclasses.asdict(user) for user_id, user in store.users.items()}


def only_user(store: InMemoryStore) -> User:
    (user,) = store.users.values()
    return user


# RegisterUser


def test_register_user_returns_the_new_user_with_a_token_for_it(
    register: RegisterUser, store: InMemoryStore, tokens: JwtTokenService, uow: InMemoryUnitOfWork
) -> None:
    view = register(RegisterUserCommand(username="jake", email="jake@jake.jake", password=PASSWORD))

    assert view == UserView(email="jake@jake.jake", token=view.token, username="jake", bio=None, image=None)
    assert tokens.read(view.token).user_id == only_user(store).id
    assert uow.commits == 1


def test_register_user_stores_a_hash_of_the_password_and_the_time(
    register: RegisterUser, store: InMemoryStore, hasher: Argon2PasswordHasher
) -> None:
    register(RegisterUserCommand(username="jake", email="jake@jake.jake", password=PASSWORD))

    user = only_user(store)
    assert (user.username, user.email, user.bio, user.image) == ("jake", "jake@jake.jake", None, None)
    assert user.password_hash != PASSWORD
    assert hasher.verify(user.password_hash, PASSWORD)
    assert user.created_at == user.updated_at == NOW


def test_register_user_raises_username_taken_when_the_username_exists(
    register: RegisterUser, store: InMemoryStore, jake: User, uow: InMemoryUnitOfWork
) -> None:
    before = snapshot(store)

    with pytest.raises(UsernameTaken) as raised:
        register(RegisterUserCommand(username="jake", email="other@jake.jake", password=PASSWORD))

    assert raised.value.errors == {"username": ["has already been taken"]}
    assert snapshot(store) == before
    assert uow.commits == 0


def test_register_user_raises_email_taken_when_the_email_exists_in_another_case(
    register: RegisterUser, store: InMemoryStore, jake: User, uow: InMemoryUnitOfWork
) -> None:
    before = snapshot(store)

    with pytest.raises(EmailTaken) as raised:
        register(RegisterUserCommand(username="other", email="JAKE@Jake.Jake", password=PASSWORD))

    assert raised.value.errors == {"email": ["has already been taken"]}
    assert snapshot(store) == before
    assert uow.commits == 0


def test_register_user_raises_invalid_input_listing_every_failing_field(
    register: RegisterUser, store: InMemoryStore, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(InvalidInput) as raised:
        register(RegisterUserCommand(username=" ", email="jake", password="short"))

    assert raised.value.errors == {
        "username": [BLANK],
        "email": ["is invalid"],
        "password": ["is too short (minimum is 8 characters)"],
    }
    assert store.users == {}
    assert uow.commits == 0


def test_registered_user_can_log_in(register: RegisterUser, login: Login, store: InMemoryStore) -> None:
    register(RegisterUserCommand(username="jake", email="jake@jake.jake", password=PASSWORD))

    view = login(LoginCommand(email="jake@jake.jake", password=PASSWORD))

    assert view.username == "jake"


# Login


def test_login_returns_the_user_with_a_token_for_it(login: Login, jake: User, tokens: JwtTokenService) -> None:
    view = login(LoginCommand(email="jake@jake.jake", password=PASSWORD))

    assert view == UserView(email="jake@jake.jake", token=view.token, username="jake", bio="bio", image="img")
    assert tokens.read(view.token).user_id == jake.id


def test_login_ignores_the_case_of_the_email(login: Login, jake: User) -> None:
    view = login(LoginCommand(email="JAKE@jake.JAKE", password=PASSWORD))

    assert view.username == "jake"


@pytest.mark.parametrize(
    ("email", "password"),
    [("jake@jake.jake", "wrong-password"), ("nobody@jake.jake", PASSWORD), ("jake@jake.jake", PASSWORD.upper())],
)
def test_login_raises_invalid_credentials_for_wrong_password_or_unknown_email(
    login: Login, store: InMemoryStore, jake: User, email: str, password: str
) -> None:
    before = snapshot(store)

    with pytest.raises(InvalidCredentials) as raised:
        login(LoginCommand(email=email, password=password))

    assert raised.value.errors == {"credentials": ["invalid"]}
    assert snapshot(store) == before


def test_login_raises_invalid_input_when_fields_are_blank(login: Login, jake: User, uow: InMemoryUnitOfWork) -> None:
    with pytest.raises(InvalidInput) as raised:
        login(LoginCommand(email="", password=""))

    assert raised.value.errors == {"email": [BLANK], "password": [BLANK]}
    assert uow.commits == 0


# Authenticate: the signed-in account comes with the session check


def test_authenticate_returns_the_claims_and_the_stored_account(store: InMemoryStore, jake: User) -> None:
    tokens = JwtTokenService(secret="s" * 32, lifetime=timedelta(hours=1))
    token = tokens.issue(jake.id, password_version=jake.password_version)

    signed_in = Authenticate(tokens, InMemoryUserQueries(store))(token)

    assert signed_in.claims.user_id == jake.id
    assert signed_in.account == AccountView(email="jake@jake.jake", username="jake", bio="bio", image="img")


def test_authenticate_refuses_a_token_whose_account_is_gone(store: InMemoryStore) -> None:
    tokens = JwtTokenService(secret="s" * 32, lifetime=timedelta(hours=1))
    token = tokens.issue(new_user_id(), password_version=0)

    with pytest.raises(Unauthenticated) as raised:
        Authenticate(tokens, InMemoryUserQueries(store))(token)

    assert raised.value.errors == {"token": ["is invalid"]}


def test_authenticate_refuses_a_token_issued_under_an_older_password(store: InMemoryStore, jake: User) -> None:
    tokens = JwtTokenService(secret="s" * 32, lifetime=timedelta(hours=1))
    token = tokens.issue(jake.id, password_version=jake.password_version - 1)

    with pytest.raises(Unauthenticated) as raised:
        Authenticate(tokens, InMemoryUserQueries(store))(token)

    assert raised.value.errors == {"token": ["is no longer valid"]}


# UpdateUser


def test_update_user_changes_every_given_field(
    update: UpdateUser,
    store: InMemoryStore,
    jake: User,
    clock: FixedClock,
    tokens: JwtTokenService,
    uow: InMemoryUnitOfWork,
) -> None:
    later = clock.advance(timedelta(hours=1))

    view = update(
        UpdateUserCommand(
            user_id=jake.id,
            username="jacob",
            email="jacob@jake.jake",
            bio="new bio",
            image="https://i.example/j.png",
        )
    )

    assert view == UserView(
        email="jacob@jake.jake", token=view.token, username="jacob", bio="new bio", image="https://i.example/j.png"
    )
    assert tokens.read(view.token).user_id == jake.id
    stored = store.users[jake.id]
    assert (stored.username, stored.email, stored.bio, stored.image) == (
        "jacob",
        "jacob@jake.jake",
        "new bio",
        "https://i.example/j.png",
    )
    assert (stored.created_at, stored.updated_at) == (NOW, later)
    assert uow.commits == 1


def test_update_user_leaves_fields_that_are_not_given(update: UpdateUser, store: InMemoryStore, jake: User) -> None:
    before = dataclasses.asdict(store.users[jake.id])

    update(UpdateUserCommand(user_id=jake.id, image="https://i.example/j.png"))

    assert dataclasses.asdict(store.users[jake.id]) == {**before, "image": "https://i.example/j.png"}


@pytest.mark.parametrize("empty", ["", None])
def test_update_user_clears_bio_and_image_given_empty_or_none(
    update: UpdateUser, store: InMemoryStore, jake: User, empty: str | None
) -> None:
    view = update(UpdateUserCommand(user_id=jake.id, bio=empty, image=empty))

    assert (view.bio, view.image) == (None, None)
    assert (store.users[jake.id].bio, store.users[jake.id].image) == (None, None)


@pytest.mark.parametrize("email", ["jake@jake.jake", "Jake@Jake.Jake"])
def test_update_user_accepts_the_users_own_email(
    update: UpdateUser, store: InMemoryStore, jake: User, amy: User, email: str
) -> None:
    view = update(UpdateUserCommand(user_id=jake.id, email=email, username="jake"))

    assert view.email == email
    assert store.users[jake.id].email == email


def test_update_user_raises_username_taken_and_changes_nothing_for_another_users_username(
    update: UpdateUser, store: InMemoryStore, jake: User, amy: User, uow: InMemoryUnitOfWork
) -> None:
    before = snapshot(store)

    with pytest.raises(UsernameTaken):
        update(UpdateUserCommand(user_id=jake.id, username="amy", bio="changed too"))

    assert snapshot(store) == before
    assert uow.commits == 0


def test_update_user_raises_email_taken_and_changes_nothing_for_another_users_email(
    update: UpdateUser, store: InMemoryStore, jake: User, amy: User, uow: InMemoryUnitOfWork
) -> None:
    before = snapshot(store)

    with pytest.raises(EmailTaken):
        update(UpdateUserCommand(user_id=jake.id, email="AMY@jake.jake", bio="changed too"))

    assert snapshot(store) == before
    assert uow.commits == 0


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"username": None}, {"username": [BLANK]}),
        ({"username": ""}, {"username": [BLANK]}),
        ({"email": None}, {"email": [BLANK]}),
        ({"email": ""}, {"email": [BLANK]}),
        ({"email": "jake"}, {"email": ["is invalid"]}),
        ({"password": None}, {"password": [BLANK]}),
        ({"password": ""}, {"password": [BLANK]}),
        ({"password": "p" * 7}, {"password": ["is too short (minimum is 8 characters)"]}),
        ({"password": "p" * 257}, {"password": ["is too long (maximum is 256 characters)"]}),
        ({"bio": "ok", "image": "bad\nimage"}, {"image": ["contains invalid characters"]}),
    ],
)
def test_update_user_raises_invalid_input_and_changes_nothing_for_invalid_values(
    update: UpdateUser,
    store: InMemoryStore,
    jake: User,
    uow: InMemoryUnitOfWork,
    changes: dict[str, str | None],
    errors: dict[str, list[str]],
) -> None:
    before = snapshot(store)

    with pytest.raises(InvalidInput) as raised:
        update(UpdateUserCommand(user_id=jake.id, **changes))

    assert raised.value.errors == errors
    assert snapshot(store) == before
    assert uow.commits == 0


def test_update_user_reports_every_failing_field_including_the_password(update: UpdateUser, jake: User) -> None:
    with pytest.raises(InvalidInput) as raised:
        update(UpdateUserCommand(user_id=jake.id, email="jake", password="short"))

    assert raised.value.errors == {
        "email": ["is invalid"],
        "password": ["is too short (minimum is 8 characters)"],
    }


def test_update_user_password_change_lets_the_new_password_in_and_keeps_the_old_one_out(
    update: UpdateUser, login: Login, store: InMemoryStore, jake: User, clock: FixedClock
) -> None:
    later = clock.advance()

    update(UpdateUserCommand(user_id=jake.id, password="a-brand-new-password"))

    assert login(LoginCommand(email="jake@jake.jake", password="a-brand-new-password")).username == "jake"
    with pytest.raises(InvalidCredentials):
        login(LoginCommand(email="jake@jake.jake", password=PASSWORD))
    assert store.users[jake.id].updated_at == later


def test_update_user_new_username_and_email_are_used_to_log_in_and_the_old_ones_are_free(
    update: UpdateUser, login: Login, register: RegisterUser, jake: User
) -> None:
    update(UpdateUserCommand(user_id=jake.id, username="jacob", email="jacob@jake.jake"))

    assert login(LoginCommand(email="jacob@jake.jake", password=PASSWORD)).username == "jacob"
    assert register(RegisterUserCommand(username="jake", email="jake@jake.jake", password=PASSWORD)).username == "jake"


def test_update_user_raises_unauthenticated_when_the_account_does_not_exist(
    update: UpdateUser, store: InMemoryStore, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(Unauthenticated):
        update(UpdateUserCommand(user_id=new_user_id(), bio="bio"))

    assert store.users == {}
    assert uow.commits == 0
