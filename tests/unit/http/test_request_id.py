"""X-Request-ID: the caller's when it is sane, else a fresh one; always echoed."""

import re
from collections.abc import Iterator

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from adapters.memory.store import InMemoryStore
from application.profiles import GetProfileCommand
from application.views import ProfileView
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def lenient_client(container: Container, settings: Settings, store: InMemoryStore) -> Iterator[TestClient]:
    with TestClient(create_app(container, settings), raise_server_exceptions=False) as client:
        yield client


def test_a_request_id_is_generated_when_none_is_given(client: TestClient) -> None:
    first = client.get("/api/tags").headers["X-Request-ID"]
    second = client.get("/api/tags").headers["X-Request-ID"]

    assert GENERATED.fullmatch(first)
    assert GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.parametrize("given", ["abc-123", "0f8fad5b-d9cb-469f-a165-70867728950e", "x" * 128, "trace:a/b=c;d"])
def test_a_sane_request_id_is_echoed(client: TestClient, given: str) -> None:
    response = client.get("/api/tags", headers={"X-Request-ID": given})

    assert response.headers["X-Request-ID"] == given


@pytest.mark.parametrize("given", ["x" * 129, "has space", "tab\there", "", "caf\u00e9"])
def test_an_insane_request_id_is_replaced(client: TestClient, given: str) -> None:
    response = client.get("/api/tags", headers={b"X-Request-ID": given.encode("latin-1")})

    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/profiles/nobody", "/health/live", "/metrics"])
def test_every_answer_carries_one(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"X-Request-ID": "req-1"})

    assert response.headers.get_list("X-Request-ID") == ["req-1"]


def test_a_500_carries_it_too(lenient_client: TestClient, container: Container) -> None:
    def broken(_: GetProfileCommand) -> ProfileView:
        raise RuntimeError("boom")

    container.get_profile.override(providers.Object(broken))

    response = lenient_client.get("/api/profiles/jake", headers={"X-Request-ID": "req-500"})

    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "req-500"


def test_browsers_may_read_it_across_origins(client: TestClient) -> None:
    response = client.get("/api/tags", headers={"Origin": "https://conduit.example"})

    assert "x-request-id" in response.headers["Access-Control-Expose-Headers"].lower()
