"""No account enumeration through login, proven by counting the work done, never by timing it.

An unknown email and a wrong password must cost the same: exactly one argon2 verification each (`burn_time` for the
unknown email, against a decoy hash made with the same parameters as every account's), and end in the same
InvalidCredentials — over HTTP, the same status, body and headers. Two levels are counted: the calls the use case
makes on the PasswordHasher port (a wrapper around the real Argon2PasswordHasher), and the argon2 operations that
really run underneath (argon2-cffi's own PasswordHasher, spied on), with the parameters of the hash each verifies.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import argon2
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.security import Argon2PasswordHasher, JwtTokenService
from application.users import Login, LoginCommand
from domain.errors import InvalidCredentials
from entrypoints.container import build_container, use_memory_adapters
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.builders import PASSWORD, a_user, committed

EMAIL = "jake@jake.jake"
WRONG_PASSWORD = "not-jakes-password"
UNKNOWN_EMAIL = "nobody@jake.jake"
INVALID_CREDENTIALS = {"errors": {"credentials": ["invalid"]}}


@dataclass
class Argon2Work:
    """Every argon2 operation that ran: ("verify", parameters of the hash verified) or ("hash", None)."""

    operations: list[tuple[str, argon2.Parameters | None]] = field(default_factory=list)

    def take(self) -> list[tuple[str, argon2.Parameters | None]]:
        taken, self.operations = self.operations, []
        return taken


@pytest.fixture
def argon2_work(monkeypatch: pytest.MonkeyPatch) -> Argon2Work:
    work = Argon2Work()
    real_verify, real_hash = argon2.PasswordHasher.verify, argon2.PasswordHasher.hash

    def verify(self: argon2.PasswordHasher, hash: str | bytes, password: str | bytes) -> Any:
        work.operations.append(("verify", argon2.extract_parameters(hash if isinstance(hash, str) else hash.decode())))
        return real_verify(self, hash, password)

    def hash_(self: argon2.PasswordHasher, password: str | bytes, **kwargs: Any) -> str:
        work.operations.append(("hash", None))
        return real_hash(self, password, **kwargs)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    monkeypatch.setattr(argon2.PasswordHasher, "hash", hash_)
    return work


class CountingHasher:
    """The real Argon2PasswordHasher, with every call the use case makes on the port recorded (name, password)."""

    def __init__(self, real: Argon2PasswordHasher) -> None:
        self.real = real
        self.calls: list[tuple[str, str]] = []

    def hash(self, password: str) -> str:
        self.calls.append(("hash", password))
        return self.real.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls.append(("verify", password))
        return self.real.verify(password_hash, password)

    def burn_time(self, password: str) -> None:
        self.calls.append(("burn_time", password))
        self.real.burn_time(password)

    def take(self) -> list[tuple[str, str]]:
        taken, self.calls = self.calls, []
        return taken


@pytest.fixture
def hasher() -> CountingHasher:
    """Cheap parameters (tests are about the amount of work, not its cost); the decoy hash made beforehand.

    The decoy is made on the first `burn_time` of a process (one extra argon2 hash, once): warmed here so that what
    is compared below is the work of every later login.
    """
    real = Argon2PasswordHasher(memory_kib=1024, time_cost=1)
    real.burn_time("warm-up")
    return CountingHasher(real)


@pytest.fixture
def login(store: InMemoryStore, hasher: CountingHasher, tokens: JwtTokenService) -> Login:
    committed(store, a_user(username="jake", email=EMAIL, password_hash=hasher.real.hash(PASSWORD)))
    hasher.take()
    return Login(uow=InMemoryUnitOfWork(store), hasher=hasher, tokens=tokens)


def refused(login: Login, email: str, password: str) -> InvalidCredentials:
    with pytest.raises(InvalidCredentials) as refusal:
        login(LoginCommand(email=email, password=password))
    return refusal.value


def account_parameters(store: InMemoryStore) -> argon2.Parameters:
    (user,) = store.users.values()
    return argon2.extract_parameters(user.password_hash)


def test_an_unknown_email_does_exactly_the_argon2_work_of_a_wrong_password(
    login: Login, hasher: CountingHasher, argon2_work: Argon2Work, store: InMemoryStore
) -> None:
    wrong_password = refused(login, EMAIL, WRONG_PASSWORD)
    wrong_password_calls, wrong_password_work = hasher.take(), argon2_work.take()
    unknown_email = refused(login, UNKNOWN_EMAIL, WRONG_PASSWORD)
    unknown_email_calls, unknown_email_work = hasher.take(), argon2_work.take()

    assert wrong_password_calls == [("verify", WRONG_PASSWORD)]
    assert unknown_email_calls == [("burn_time", WRONG_PASSWORD)]  # one verify-equivalent, on the password sent
    assert wrong_password_work == unknown_email_work == [("verify", account_parameters(store))]
    assert (type(unknown_email), unknown_email.errors) == (type(wrong_password), wrong_password.errors)


def test_the_right_password_also_costs_one_verification(
    login: Login, hasher: CountingHasher, argon2_work: Argon2Work, store: InMemoryStore
) -> None:
    login(LoginCommand(email=EMAIL, password=PASSWORD))

    assert hasher.take() == [("verify", PASSWORD)]
    assert argon2_work.take() == [("verify", account_parameters(store))]


def test_the_unknown_email_path_does_not_short_circuit_before_hashing(login: Login, hasher: CountingHasher) -> None:
    """InvalidCredentials comes only after the hashing work: when the work fails, its failure is what surfaces."""

    class HashingReached(Exception):
        pass

    def burn_time(password: str) -> None:
        raise HashingReached(password)

    hasher.burn_time = burn_time  # type: ignore[method-assign]

    with pytest.raises(HashingReached, match=WRONG_PASSWORD):
        login(LoginCommand(email=UNKNOWN_EMAIL, password=WRONG_PASSWORD))


def test_an_email_in_another_case_is_the_same_account_and_the_same_work(
    login: Login, hasher: CountingHasher, argon2_work: Argon2Work, store: InMemoryStore
) -> None:
    refused(login, EMAIL.upper(), WRONG_PASSWORD)

    assert hasher.take() == [("verify", WRONG_PASSWORD)]
    assert argon2_work.take() == [("verify", account_parameters(store))]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    local=st.from_regex(r"[a-z0-9._-]{1,20}", fullmatch=True),
    password=st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=64),
    known=st.booleans(),
)
def test_any_failed_login_costs_exactly_one_argon2_verification(
    login: Login, hasher: CountingHasher, argon2_work: Argon2Work, local: str, password: str, known: bool
) -> None:
    email = EMAIL if known else f"{local}@unknown.example"
    if known and password == PASSWORD:
        return  # the right password: not a failed login

    failure = refused(login, email, password)

    assert failure.errors == INVALID_CREDENTIALS["errors"]
    assert hasher.take() == [("verify" if known else "burn_time", password)]
    assert [operation for operation, _ in argon2_work.take()] == ["verify"]


# --- over HTTP --------------------------------------------------------------------------------------------------------


@pytest.fixture
def client(hasher: CountingHasher) -> Iterator[TestClient]:
    app_settings = Settings(_env_file=None, database_url=None)
    container = build_container(app_settings)
    container.password_hasher.override(providers.Object(hasher))
    use_memory_adapters(container)
    with TestClient(create_app(container, app_settings)) as client:
        body = {"user": {"username": "jake", "email": EMAIL, "password": PASSWORD}}
        assert client.post("/api/users", json=body).status_code == 201
        yield client


def post_login(client: TestClient, email: str, password: str) -> tuple[int, Any, dict[str, str]]:
    response = client.post("/api/users/login", json={"user": {"email": email, "password": password}})
    headers = {name: value for name, value in response.headers.items() if name != "x-request-id"}
    return response.status_code, response.json(), headers


def test_over_http_both_failures_answer_alike_after_the_same_work(
    client: TestClient, hasher: CountingHasher, argon2_work: Argon2Work
) -> None:
    hasher.take()
    argon2_work.take()

    wrong_password = post_login(client, EMAIL, WRONG_PASSWORD)
    wrong_password_work = [operation for operation, _ in argon2_work.take()]
    unknown_email = post_login(client, UNKNOWN_EMAIL, WRONG_PASSWORD)
    unknown_email_work = [operation for operation, _ in argon2_work.take()]

    assert wrong_password == unknown_email
    assert wrong_password[:2] == (401, INVALID_CREDENTIALS)
    assert wrong_password_work == unknown_email_work == ["verify"]
    assert hasher.take() == [("verify", WRONG_PASSWORD), ("burn_time", WRONG_PASSWORD)]


def test_over_http_a_blank_password_is_refused_alike_before_any_work(
    client: TestClient, hasher: CountingHasher, argon2_work: Argon2Work
) -> None:
    hasher.take()
    argon2_work.take()

    known, unknown = post_login(client, EMAIL, ""), post_login(client, UNKNOWN_EMAIL, "")

    assert known == unknown
    assert known[:2] == (422, {"errors": {"password": ["can't be blank"]}})
    assert hasher.take() == []
    assert argon2_work.take() == []
