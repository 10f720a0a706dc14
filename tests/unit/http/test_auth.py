import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from adapters.security import JwtTokenService
from domain.ids import new_user_id
from entrypoints.settings import Settings
from tests.unit.http.api import auth, register

MISSING = {"errors": {"token": ["is missing"]}}
INVALID = {"errors": {"token": ["is invalid"]}}
PROTECTED = [
    ("GET", "/api/user"),
    ("PUT", "/api/user"),
    ("POST", "/api/profiles/jake/follow"),
    ("DELETE", "/api/profiles/jake/follow"),
]


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> tuple[int, object]:
    body = {"user": {"bio": "hacked"}} if method == "PUT" else None
    response = client.request(method, path, json=body, headers=headers)
    return response.status_code, response.json()


def sub_of(settings: Settings, token: str) -> str:
    claims = jwt.decode(token, settings.jwt_secret.get_secret_value(), algorithms=["HS256"])
    sub: str = claims["sub"]
    return sub


def in_an_hour() -> int:
    return int((datetime.now(UTC) + timedelta(hours=1)).timestamp())


@pytest.fixture
def jake(client: TestClient) -> str:
    return register(client, "jake")


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": "   "}])
def test_protected_route_answers_401_is_missing_without_a_token(
    client: TestClient, jake: str, method: str, path: str, headers: dict[str, str]
) -> None:
    assert call(client, method, path, headers) == (401, MISSING)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize(
    "header",
    ["Token garbage", "Bearer garbage", "Token", "Bearer ", "Basic amFrZTpqYWtl", "Tokenabc", "Token a.b.c"],
)
def test_protected_route_answers_401_is_invalid_for_a_garbage_token_or_scheme(
    client: TestClient, jake: str, method: str, path: str, header: str
) -> None:
    assert call(client, method, path, {"Authorization": header}) == (401, INVALID)


def test_a_valid_token_without_its_scheme_is_refused(client: TestClient, jake: str) -> None:
    response = client.get("/api/user", headers={"Authorization": jake})

    assert (response.status_code, response.json()) == (401, INVALID)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_protected_route_answers_401_has_expired_for_an_expired_token(
    client: TestClient, settings: Settings, jake: str, method: str, path: str
) -> None:
    expired_tokens = JwtTokenService(secret=settings.jwt_secret.get_secret_value(), lifetime=timedelta(seconds=-1))
    expired = expired_tokens.issue(new_user_id(), password_version=0)

    assert call(client, method, path, auth(expired)) == (401, {"errors": {"token": ["has expired"]}})


def test_a_token_signed_with_another_secret_is_refused(client: TestClient, settings: Settings, jake: str) -> None:
    forged = jwt.encode({"sub": sub_of(settings, jake), "exp": in_an_hour()}, "another-secret-" + "x" * 32)

    response = client.get("/api/user", headers=auth(forged))

    assert (response.status_code, response.json()) == (401, INVALID)


def test_an_unsigned_alg_none_token_is_refused(client: TestClient, settings: Settings, jake: str) -> None:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    unsigned = f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'sub': sub_of(settings, jake), 'exp': in_an_hour()})}."

    response = client.get("/api/user", headers=auth(unsigned))

    assert (response.status_code, response.json()) == (401, INVALID)


def test_a_token_for_an_account_that_does_not_exist_is_refused(client: TestClient, settings: Settings) -> None:
    tokens = JwtTokenService(secret=settings.jwt_secret.get_secret_value(), lifetime=timedelta(hours=1))
    ghost = tokens.issue(new_user_id(), password_version=0)

    current = client.get("/api/user", headers=auth(ghost))
    update = client.put("/api/user", json={"user": {"bio": "boo"}}, headers=auth(ghost))

    assert (current.status_code, current.json()) == (401, INVALID)
    assert (update.status_code, update.json()) == (401, INVALID)


def test_optional_auth_route_answers_401_for_an_invalid_token(client: TestClient, jake: str) -> None:
    response = client.get("/api/profiles/jake", headers=auth("garbage"))

    assert (response.status_code, response.json()) == (401, INVALID)


def test_a_token_outlives_a_change_of_username_and_email(client: TestClient, jake: str) -> None:
    client.put("/api/user", json={"user": {"username": "jacob", "email": "jacob@jake.jake"}}, headers=auth(jake))

    response = client.get("/api/user", headers=auth(jake))

    assert response.status_code == 200
    assert response.json()["user"]["username"] == "jacob"
