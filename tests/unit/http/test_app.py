"""What every route shares: error envelopes, request validation, CORS, the OpenAPI document."""

import gc
from collections.abc import Callable, Iterator

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from adapters.memory.store import InMemoryStore
from application.profiles import GetProfileCommand
from application.views import ProfileView
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

JSON = {"Content-Type": "application/json"}
USER_AND_PROFILE_ROUTES = {
    "/api/users": ["post"],
    "/api/users/login": ["post"],
    "/api/user": ["get", "put"],
    "/api/profiles/{username}": ["get"],
    "/api/profiles/{username}/follow": ["delete", "post"],
}


def failing_use_case(error: Exception) -> providers.Object[Callable[[GetProfileCommand], ProfileView]]:
    def use_case(_: GetProfileCommand) -> ProfileView:
        raise error

    return providers.Object(use_case)


@pytest.fixture
def lenient_client(container: Container, settings: Settings, store: InMemoryStore) -> Iterator[TestClient]:
    """A client that answers with the app's 500 instead of re-raising the server's exception."""
    with TestClient(create_app(container, settings), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("path", ["/api/users", "/api/users/login"])
def test_malformed_json_answers_422_on_body(client: TestClient, path: str) -> None:
    response = client.post(path, content='{"user": {"email": ', headers=JSON)

    assert response.status_code == 422
    assert response.json() == {"errors": {"body": ["is not valid JSON"]}}


@pytest.mark.parametrize("content", ["[]", '"jake"', "42", "null"])
def test_a_body_that_is_not_an_object_answers_422_on_body(client: TestClient, content: str) -> None:
    response = client.post("/api/users", content=content, headers=JSON)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["body"]


def test_a_missing_body_answers_422_cant_be_blank(client: TestClient) -> None:
    response = client.post("/api/users")

    assert response.status_code == 422
    assert response.json() == {"errors": {"body": ["can't be blank"]}}


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"user": ["can't be blank"]}),
        ({"user": "jake"}, {"user": ["must be a JSON object"]}),
        ({"user": None}, {"user": ["must be a JSON object"]}),
        ({"user": []}, {"user": ["must be a JSON object"]}),
    ],
)
def test_a_missing_or_malformed_envelope_answers_422_on_user(
    client: TestClient, payload: object, errors: dict[str, list[str]]
) -> None:
    response = client.post("/api/users", json=payload)

    assert response.status_code == 422
    assert response.json() == {"errors": errors}


def test_an_unknown_route_answers_404_in_the_errors_shape(client: TestClient) -> None:
    response = client.get("/api/nothing-here")

    assert response.status_code == 404
    assert response.json() == {"errors": {"request": ["not found"]}}


def test_a_wrong_method_answers_405_in_the_errors_shape(client: TestClient) -> None:
    response = client.delete("/api/users")

    assert response.status_code == 405
    assert response.json() == {"errors": {"request": ["method not allowed"]}}


def test_an_unexpected_error_answers_500_without_details(lenient_client: TestClient, container: Container) -> None:
    container.get_profile.override(failing_use_case(RuntimeError("secret internals")))

    response = lenient_client.get("/api/profiles/jake")

    assert response.status_code == 500
    assert response.json() == {"errors": {"server": ["internal error"]}}


def test_an_unreachable_database_answers_503_with_retry_after(client: TestClient, container: Container) -> None:
    container.get_profile.override(failing_use_case(OperationalError("SELECT 1", {}, ConnectionError("down"))))

    response = client.get("/api/profiles/jake")

    assert response.status_code == 503
    assert response.json() == {"errors": {"database": ["is unavailable, try again shortly"]}}
    assert response.headers["Retry-After"] == "1"


def test_cors_preflight_is_answered_for_any_origin_by_default(client: TestClient) -> None:
    response = client.options(
        "/api/user",
        headers={
            "Origin": "https://conduit.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    assert {"authorization", "content-type"} <= {
        header.strip().lower() for header in response.headers["Access-Control-Allow-Headers"].split(",")
    }


def test_cors_headers_are_on_ordinary_answers_too(client: TestClient) -> None:
    response = client.get("/api/profiles/nobody", headers={"Origin": "https://conduit.example"})

    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_allows_only_the_configured_origins(container: Container, store: InMemoryStore) -> None:
    settings = Settings(_env_file=None, database_url=None, cors_origins=["https://conduit.example"])
    preflight = {"Access-Control-Request-Method": "GET"}

    with TestClient(create_app(container, settings)) as client:
        allowed = client.options("/api/user", headers={**preflight, "Origin": "https://conduit.example"})
        refused = client.options("/api/user", headers={**preflight, "Origin": "https://evil.example"})

    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://conduit.example"
    assert refused.status_code == 400
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_openapi_document_lists_the_user_and_profile_routes(client: TestClient) -> None:
    response = client.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {path: sorted(paths.get(path, {})) for path in USER_AND_PROFILE_ROUTES} == USER_AND_PROFILE_ROUTES


def test_what_lives_as_long_as_the_app_is_kept_out_of_the_collectors_sight_while_it_runs(
    container: Container, settings: Settings, store: InMemoryStore
) -> None:
    with TestClient(create_app(container, settings)):
        frozen_while_serving = gc.get_freeze_count()
    frozen_after = gc.get_freeze_count()

    assert frozen_while_serving > 10_000  # the modules, routes and models loaded at start
    assert frozen_after == 0
