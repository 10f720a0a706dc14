"""Log lines of HTTP requests: one access line each, the request id on every line, never a secret."""

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from adapters.memory.store import InMemoryStore
from application.profiles import GetProfileCommand
from application.views import ProfileView
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.logging import configure_logging
from entrypoints.settings import Settings
from tests.unit.http.api import auth, register

PASSWORD = "correct-horse-battery-staple"  # a test password that must never be logged
Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    """The JSON lines logged during the test, parsed (every line must parse)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    configure_logging("json", "INFO", buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def lenient_client(container: Container, settings: Settings, store: InMemoryStore) -> Iterator[TestClient]:
    with TestClient(create_app(container, settings), raise_server_exceptions=False) as client:
        yield client


def access_lines(lines: Lines) -> list[dict[str, Any]]:
    return [line for line in lines() if line["logger"] == "conduit.access"]


def test_one_access_line_per_request_with_its_fields(client: TestClient, log_lines: Lines) -> None:
    response = client.get("/api/profiles/nobody", headers={"X-Request-ID": "req-42"})

    [line] = access_lines(log_lines)
    assert response.status_code == 404
    assert line["request_id"] == "req-42"
    assert line["method"] == "GET"
    assert line["route"] == "/api/profiles/{username}"
    assert line["path"] == "/api/profiles/nobody"
    assert line["status"] == 404
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO"
    assert line["time"].endswith("Z")
    assert "user_id" not in line


def test_the_access_line_names_the_signed_in_user(client: TestClient, log_lines: Lines, store: InMemoryStore) -> None:
    token = register(client, "jake")

    client.get("/api/profiles/jake", headers=auth(token))

    [jake] = list(store.users.values())
    line = access_lines(log_lines)[-1]
    assert line["user_id"] == str(jake.id)


def test_every_line_of_a_request_carries_its_id(client: TestClient, container: Container, log_lines: Lines) -> None:
    def chatty(_: GetProfileCommand) -> ProfileView:
        logging.getLogger("application.profiles").warning("looked up a profile")
        return ProfileView(username="jake", bio=None, image=None, following=False)

    container.get_profile.override(providers.Object(chatty))

    client.get("/api/profiles/jake", headers={"X-Request-ID": "req-7"})

    inside = [line for line in log_lines() if line["message"] == "looked up a profile"]
    assert [line["request_id"] for line in inside] == ["req-7"]


def test_the_traceback_of_a_500_carries_the_request_id(
    lenient_client: TestClient, container: Container, log_lines: Lines
) -> None:
    def broken(_: GetProfileCommand) -> ProfileView:
        raise RuntimeError("boom")

    container.get_profile.override(providers.Object(broken))

    lenient_client.get("/api/profiles/jake", headers={"X-Request-ID": "req-500"})

    [error] = [line for line in log_lines() if line["level"] == "ERROR"]
    [access] = access_lines(log_lines)
    assert error["request_id"] == "req-500"
    assert "RuntimeError: boom" in error["exception"]
    assert access["status"] == 500


def test_health_and_metrics_requests_are_not_logged(client: TestClient, log_lines: Lines) -> None:
    client.get("/health/live")
    client.get("/health/ready")
    client.get("/metrics")

    assert access_lines(log_lines) == []


def test_tokens_and_passwords_never_reach_the_log(client: TestClient, log_lines: Lines) -> None:
    token = register(client, "jake", password=PASSWORD)
    client.post("/api/users/login", json={"user": {"email": "jake@jake.jake", "password": PASSWORD}})
    client.get("/api/user", headers=auth(token))
    client.get("/api/user", headers=auth(token, "Bearer"))
    client.put("/api/user", json={"user": {"password": PASSWORD + "2"}}, headers=auth(token))
    client.get("/api/user", headers={"Authorization": "Token not-a-valid-jwt-at-all"})
    logging.getLogger("careless").warning("sent Authorization: Token %s with password=%s", token, PASSWORD)

    text = "\n".join(json.dumps(line) for line in log_lines())

    assert len(access_lines(log_lines)) == 6
    assert token not in text
    assert token.split(".")[2] not in text  # not even the signature alone
    assert PASSWORD not in text
    assert "not-a-valid-jwt-at-all" not in text
