"""Changing the password signs out every other sign-in session; the one that changed it stays in."""

from collections.abc import Callable

from dependency_injector import providers
from fastapi.testclient import TestClient

from adapters.memory.queries import InMemoryUserQueries
from adapters.memory.store import InMemoryStore
from domain.ids import UserId
from entrypoints.container import Container


def register(client: TestClient, name: str) -> str:
    response = client.post(
        "/api/users", json={"user": {"username": name, "email": f"{name}@x.io", "password": "password123"}}
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["user"]["token"]
    return token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def login(client: TestClient, name: str, password: str = "password123") -> str:
    response = client.post("/api/users/login", json={"user": {"email": f"{name}@x.io", "password": password}})
    assert response.status_code == 200, response.text
    token: str = response.json()["user"]["token"]
    return token


def test_a_password_change_signs_out_every_other_session(client: TestClient) -> None:
    laptop = register(client, "jake")
    phone = login(client, "jake")

    changed = client.put("/api/user", json={"user": {"password": "a-new-password"}}, headers=auth(laptop))

    assert changed.status_code == 200
    assert client.get("/api/user", headers=auth(phone)).status_code == 401
    assert client.get("/api/user", headers=auth(phone)).json() == {"errors": {"token": ["is no longer valid"]}}
    assert client.get("/api/user", headers=auth(changed.json()["user"]["token"])).status_code == 200


def test_the_session_that_changed_the_password_stays_signed_in(client: TestClient) -> None:
    """As the official suite does: it changes the password twice with the token it had before."""
    laptop = register(client, "jake")

    first = client.put("/api/user", json={"user": {"password": "bonjour1"}}, headers=auth(laptop))
    second = client.put("/api/user", json={"user": {"password": "a" * 64}}, headers=auth(laptop))

    assert (first.status_code, second.status_code) == (200, 200)
    assert client.get("/api/user", headers=auth(laptop)).status_code == 200
    assert client.get("/api/user", headers=auth(first.json()["user"]["token"])).status_code == 200


def test_a_session_signed_out_by_one_change_stays_out_after_the_next(client: TestClient) -> None:
    laptop = register(client, "jake")
    phone = login(client, "jake")
    client.put("/api/user", json={"user": {"password": "bonjour12"}}, headers=auth(laptop))

    client.put("/api/user", json={"user": {"password": "bonjour123"}}, headers=auth(laptop))

    assert client.get("/api/user", headers=auth(phone)).status_code == 401


def test_logging_in_again_after_a_password_change_gives_a_working_token(client: TestClient) -> None:
    old = register(client, "jake")
    client.put("/api/user", json={"user": {"password": "a-new-password"}}, headers=auth(old))

    login = client.post("/api/users/login", json={"user": {"email": "jake@x.io", "password": "a-new-password"}})

    assert client.get("/api/user", headers=auth(login.json()["user"]["token"])).status_code == 200


def test_other_profile_changes_keep_existing_tokens_working(client: TestClient) -> None:
    token = register(client, "jake")

    client.put(
        "/api/user", json={"user": {"username": "jake2", "email": "jake2@x.io", "bio": "hi"}}, headers=auth(token)
    )

    assert client.get("/api/user", headers=auth(token)).json()["user"]["username"] == "jake2"


def test_a_revoked_token_is_refused_on_optional_sign_in_routes_too(client: TestClient) -> None:
    laptop = register(client, "jake")
    phone = login(client, "jake")
    client.put("/api/user", json={"user": {"password": "a-new-password"}}, headers=auth(laptop))

    assert client.get("/api/articles", headers=auth(phone)).status_code == 401


class ReadsThatNeverCarryTheCheck(InMemoryUserQueries):
    """An adapter that takes the check on for the next read, whose reads then never make it: what the route must
    still catch (an endpoint that reads nothing, or reads some other way)."""

    def __init__(self, store: InMemoryStore) -> None:
        super().__init__(store)
        self.deferred = 0

    def check_session_with_next_read(
        self, user_id: UserId, *, password_version: int, session_id: str, settle: Callable[[bool | None], None]
    ) -> bool:
        self.deferred += 1
        return True


def test_a_check_left_to_a_read_that_never_came_is_made_before_answering(
    client: TestClient, container: Container, store: InMemoryStore
) -> None:
    laptop = register(client, "jake")
    phone = login(client, "jake")
    client.put("/api/user", json={"user": {"password": "a-new-password"}}, headers=auth(laptop))
    queries = ReadsThatNeverCarryTheCheck(store)
    container.user_queries.override(providers.Object(queries))
    fresh = login(client, "jake", "a-new-password")

    refused = client.get("/api/articles", headers=auth(phone))
    refused_with_bad_input = client.get("/api/articles?tag=%01", headers=auth(phone))
    served = client.get("/api/articles", headers=auth(fresh))

    assert queries.deferred == 3  # every one of them was left to a read
    assert (refused.status_code, refused.json()) == (401, {"errors": {"token": ["is no longer valid"]}})
    assert refused_with_bad_input.status_code == 401
    assert served.status_code == 200
