"""Changing the password signs out every other device: tokens issued before it stop working."""

from fastapi.testclient import TestClient


def register(client: TestClient, name: str) -> str:
    response = client.post(
        "/api/users", json={"user": {"username": name, "email": f"{name}@x.io", "password": "password123"}}
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["user"]["token"]
    return token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def test_tokens_issued_before_a_password_change_are_refused(client: TestClient) -> None:
    old = register(client, "jake")

    changed = client.put("/api/user", json={"user": {"password": "a-new-password"}}, headers=auth(old))

    assert changed.status_code == 200
    assert client.get("/api/user", headers=auth(old)).json() == {"errors": {"token": ["is no longer valid"]}}
    assert client.get("/api/user", headers=auth(old)).status_code == 401
    assert client.get("/api/user", headers=auth(changed.json()["user"]["token"])).status_code == 200


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
    old = register(client, "jake")
    client.put("/api/user", json={"user": {"password": "a-new-password"}}, headers=auth(old))

    assert client.get("/api/articles", headers=auth(old)).status_code == 401
