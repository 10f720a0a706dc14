from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.memory.store import InMemoryStore
from tests.builders import PASSWORD
from tests.unit.http.api import BLANK, auth, new_user, register

TAKEN = ["has already been taken"]


def user_body(**fields: Any) -> dict[str, Any]:
    return {"user": fields}


# POST /api/users


def test_register_answers_201_with_the_user_envelope(client: TestClient) -> None:
    response = client.post("/api/users", json=new_user("jake"))

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "user": {
            "email": "jake@jake.jake",
            "token": body["user"]["token"],
            "username": "jake",
            "bio": None,
            "image": None,
        }
    }
    assert body["user"]["token"]


def test_register_token_signs_the_new_user_in(client: TestClient) -> None:
    token = register(client, "jake")

    response = client.get("/api/user", headers=auth(token))

    assert response.status_code == 200
    assert response.json()["user"]["username"] == "jake"


def test_register_stores_the_user(client: TestClient, store: InMemoryStore) -> None:
    register(client, "jake")

    assert [user.username for user in store.users.values()] == ["jake"]


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_register_answers_422_cant_be_blank_when_a_field_is_missing(client: TestClient, field: str) -> None:
    payload = new_user("jake")
    del payload["user"][field]

    response = client.post("/api/users", json=payload)

    assert response.status_code == 422
    assert response.json() == {"errors": {field: BLANK}}


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_register_answers_422_cant_be_blank_when_a_field_is_empty(client: TestClient, field: str) -> None:
    payload = new_user("jake")
    payload["user"][field] = ""

    response = client.post("/api/users", json=payload)

    assert response.status_code == 422
    assert response.json() == {"errors": {field: BLANK}}


def test_register_reports_every_missing_field(client: TestClient) -> None:
    response = client.post("/api/users", json=user_body(password=PASSWORD))

    assert response.status_code == 422
    assert response.json() == {"errors": {"username": BLANK, "email": BLANK}}


def test_register_reports_every_invalid_field(client: TestClient, store: InMemoryStore) -> None:
    response = client.post("/api/users", json=user_body(username="jake peralta", email="jake", password="short"))

    assert response.status_code == 422
    assert response.json() == {
        "errors": {
            "username": ["must not contain spaces or '/'"],
            "email": ["is invalid"],
            "password": ["is too short (minimum is 8 characters)"],
        }
    }
    assert store.users == {}


def test_register_answers_422_when_a_field_is_not_a_string(client: TestClient) -> None:
    response = client.post("/api/users", json=user_body(username="jake", email=42, password=PASSWORD))

    assert response.status_code == 422
    assert response.json() == {"errors": {"email": ["must be a valid string"]}}


def test_register_ignores_unknown_fields(client: TestClient) -> None:
    payload = new_user("jake")
    payload["user"]["admin"] = True

    response = client.post("/api/users", json=payload)

    assert response.status_code == 201


def test_register_answers_409_when_the_username_is_taken(client: TestClient, store: InMemoryStore) -> None:
    register(client, "jake")

    response = client.post("/api/users", json=new_user("jake", email="other@jake.jake"))

    assert response.status_code == 409
    assert response.json() == {"errors": {"username": TAKEN}}
    assert len(store.users) == 1


def test_register_answers_409_when_the_email_is_taken_in_another_case(client: TestClient) -> None:
    register(client, "jake", email="jake@jake.jake")

    response = client.post("/api/users", json=new_user("amy", email="Jake@JAKE.jake"))

    assert response.status_code == 409
    assert response.json() == {"errors": {"email": TAKEN}}


# POST /api/users/login


def test_login_answers_200_with_the_user_envelope(client: TestClient) -> None:
    register(client, "jake")

    response = client.post("/api/users/login", json=user_body(email="jake@jake.jake", password=PASSWORD))

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "user": {
            "email": "jake@jake.jake",
            "token": body["user"]["token"],
            "username": "jake",
            "bio": None,
            "image": None,
        }
    }
    assert client.get("/api/user", headers=auth(body["user"]["token"])).status_code == 200


@pytest.mark.parametrize(("email", "password"), [("jake@jake.jake", "wrong-password"), ("nobody@jake.jake", PASSWORD)])
def test_login_answers_401_invalid_credentials_for_wrong_password_or_unknown_email(
    client: TestClient, email: str, password: str
) -> None:
    register(client, "jake")

    response = client.post("/api/users/login", json=user_body(email=email, password=password))

    assert response.status_code == 401
    assert response.json() == {"errors": {"credentials": ["invalid"]}}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"email": "", "password": ""}, {"email": BLANK, "password": BLANK}),
        ({"email": "jake@jake.jake"}, {"password": BLANK}),
        ({"password": PASSWORD}, {"email": BLANK}),
    ],
)
def test_login_answers_422_cant_be_blank_for_missing_or_empty_fields(
    client: TestClient, fields: dict[str, str], errors: dict[str, list[str]]
) -> None:
    register(client, "jake")

    response = client.post("/api/users/login", json=user_body(**fields))

    assert response.status_code == 422
    assert response.json() == {"errors": errors}


# GET /api/user


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token", "bearer"])
def test_current_user_answers_200_with_the_token_that_was_sent(client: TestClient, scheme: str) -> None:
    token = register(client, "jake")

    response = client.get("/api/user", headers=auth(token, scheme))

    assert response.status_code == 200
    assert response.json() == {
        "user": {"email": "jake@jake.jake", "token": token, "username": "jake", "bio": None, "image": None}
    }


def test_current_user_accepts_a_json_content_type_on_get(client: TestClient) -> None:
    token = register(client, "jake")

    response = client.get("/api/user", headers={**auth(token), "Content-Type": "application/json"})

    assert response.status_code == 200


# PUT /api/user


def test_update_user_answers_200_with_the_changed_user(client: TestClient) -> None:
    token = register(client, "jake")
    changes = {
        "email": "jacob@jake.jake",
        "username": "jacob",
        "bio": "I like to skateboard",
        "image": "https://i.stack.imgur.com/xHWG8.jpg",
    }

    response = client.put("/api/user", json=user_body(**changes), headers=auth(token))

    assert response.status_code == 200
    body = response.json()
    assert body == {"user": {**changes, "token": body["user"]["token"]}}


def test_update_user_returns_a_token_that_works(client: TestClient) -> None:
    token = register(client, "jake")
    new_token = client.put("/api/user", json=user_body(username="jacob"), headers=auth(token)).json()["user"]["token"]

    response = client.get("/api/user", headers=auth(new_token))

    assert response.status_code == 200
    assert response.json()["user"]["username"] == "jacob"


def test_update_user_persists_and_keeps_fields_not_sent(client: TestClient) -> None:
    token = register(client, "jake")
    client.put("/api/user", json=user_body(bio="bio", image="https://i.example/j.png"), headers=auth(token))

    client.put("/api/user", json=user_body(bio="new bio"), headers=auth(token))

    user = client.get("/api/user", headers=auth(token)).json()["user"]
    assert (user["username"], user["email"], user["bio"], user["image"]) == (
        "jake",
        "jake@jake.jake",
        "new bio",
        "https://i.example/j.png",
    )


def test_update_user_with_no_fields_changes_nothing(client: TestClient) -> None:
    token = register(client, "jake")

    response = client.put("/api/user", json=user_body(), headers=auth(token))

    assert response.status_code == 200
    user = response.json()["user"]
    assert (user["username"], user["email"], user["bio"], user["image"]) == ("jake", "jake@jake.jake", None, None)


@pytest.mark.parametrize("empty", ["", None])
def test_update_user_stores_empty_or_null_bio_and_image_as_null(client: TestClient, empty: str | None) -> None:
    token = register(client, "jake")
    client.put("/api/user", json=user_body(bio="bio", image="https://i.example/j.png"), headers=auth(token))

    response = client.put("/api/user", json=user_body(bio=empty, image=empty), headers=auth(token))

    assert response.status_code == 200
    assert (response.json()["user"]["bio"], response.json()["user"]["image"]) == (None, None)
    user = client.get("/api/user", headers=auth(token)).json()["user"]
    assert (user["bio"], user["image"]) == (None, None)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", None, "can't be blank"),
        ("email", "", "can't be blank"),
        ("username", None, "can't be blank"),
        ("username", "", "can't be blank"),
        ("password", None, "can't be blank"),
        ("password", "", "can't be blank"),
        ("password", "short", "is too short (minimum is 8 characters)"),
    ],
)
def test_update_user_answers_422_and_changes_nothing_for_refused_values(
    client: TestClient, store: InMemoryStore, field: str, value: str | None, message: str
) -> None:
    token = register(client, "jake")
    (before,) = store.users.values()

    response = client.put("/api/user", json=user_body(**{field: value}), headers=auth(token))

    assert response.status_code == 422
    assert response.json() == {"errors": {field: [message]}}
    (after,) = store.users.values()
    assert (after.username, after.email, after.password_hash) == (before.username, before.email, before.password_hash)


@pytest.mark.parametrize("length", [8, 64])
def test_update_user_accepts_passwords_of_8_and_64_characters(client: TestClient, length: int) -> None:
    token = register(client, "jake")

    response = client.put("/api/user", json=user_body(password="p" * length), headers=auth(token))

    assert response.status_code == 200


def test_update_user_accepts_the_users_own_current_email(client: TestClient) -> None:
    token = register(client, "jake")

    response = client.put(
        "/api/user", json=user_body(email="jake@jake.jake", username="jake", bio="bio"), headers=auth(token)
    )

    assert response.status_code == 200
    assert response.json()["user"]["bio"] == "bio"


@pytest.mark.parametrize(
    ("field", "value"), [("username", "amy"), ("email", "amy@jake.jake"), ("email", "AMY@jake.jake")]
)
def test_update_user_answers_409_for_another_users_username_or_email(
    client: TestClient, field: str, value: str
) -> None:
    token = register(client, "jake")
    register(client, "amy")

    response = client.put("/api/user", json=user_body(**{field: value}), headers=auth(token))

    assert response.status_code == 409
    assert response.json() == {"errors": {field: TAKEN}}
    assert client.get("/api/user", headers=auth(token)).json()["user"]["username"] == "jake"


def test_update_user_password_then_login_works_with_the_new_one_only(client: TestClient) -> None:
    token = register(client, "jake")

    client.put("/api/user", json=user_body(password="a-brand-new-password"), headers=auth(token))

    new = client.post("/api/users/login", json=user_body(email="jake@jake.jake", password="a-brand-new-password"))
    old = client.post("/api/users/login", json=user_body(email="jake@jake.jake", password=PASSWORD))
    assert (new.status_code, old.status_code) == (200, 401)


@pytest.mark.parametrize("payload", [{}, {"user": None}, {"user": "jake"}])
def test_update_user_answers_422_without_a_user_object(client: TestClient, payload: dict[str, Any]) -> None:
    token = register(client, "jake")

    response = client.put("/api/user", json=payload, headers=auth(token))

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["user"]
