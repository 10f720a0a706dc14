"""Small helpers that speak the RealWorld API through a TestClient."""

from typing import Any

from fastapi.testclient import TestClient

from tests.builders import PASSWORD

BLANK = ["can't be blank"]


def new_user(username: str, *, email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
    return {"user": {"username": username, "email": email or f"{username}@jake.jake", "password": password}}


def register(client: TestClient, username: str, *, email: str | None = None, password: str = PASSWORD) -> str:
    """Register a user and return their token."""
    response = client.post("/api/users", json=new_user(username, email=email, password=password))
    assert response.status_code == 201, response.text
    token: str = response.json()["user"]["token"]
    return token


def auth(token: str, scheme: str = "Token") -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}"}
