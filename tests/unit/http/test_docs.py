"""The interactive docs work offline, and the OpenAPI document tells the truth about errors and sign-in."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_page_references_no_url_outside_the_service(client: TestClient, page: str) -> None:
    response = client.get(page)

    assert response.status_code == 200
    assert URL.findall(response.text) == []


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_page_assets_are_served_locally(client: TestClient, page: str) -> None:
    assets = re.findall(r'(?:src|href)="([^"]+)"', client.get(page).text)

    statuses = {asset: client.get(asset).status_code for asset in assets}

    assert any(asset.endswith(".js") for asset in assets)
    assert set(statuses.values()) == {200}, statuses


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    """The API's operations (health and metrics endpoints aside)."""
    document = client.get("/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        if path.startswith("/api/")
        for method, operation in operations.items()
    ]


def test_every_error_response_is_documented_with_the_errors_envelope(client: TestClient) -> None:
    document = client.get("/openapi.json").json()

    error_schemas = {
        (method, path, status): response["content"]["application/json"]["schema"]
        for method, path, operation in _operations(client)
        for status, response in operation["responses"].items()
        if int(status) >= 400
    }

    assert error_schemas
    assert set(map(str, error_schemas.values())) == {str(ERROR_SCHEMA)}
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_api_operation_documents_503_and_protected_ones_401(client: TestClient) -> None:
    for method, path, operation in _operations(client):
        responses = operation["responses"]
        assert "503" in responses, (method, path)
        if operation.get("security"):
            assert "401" in responses, (method, path)


def test_token_is_required_or_optional_exactly_where_the_spec_says(client: TestClient) -> None:
    optional = {"GET /api/profiles/{username}", "GET /api/articles", "GET /api/articles/{slug}"}
    optional.add("GET /api/articles/{slug}/comments")
    anonymous = {"POST /api/users", "POST /api/users/login", "GET /api/tags"}

    security = {f"{method} {path}": operation.get("security") for method, path, operation in _operations(client)}

    assert {name for name, value in security.items() if value == [{"Token": []}, {}]} == optional
    assert {name for name, value in security.items() if value is None} == anonymous
    assert all(value == [{"Token": []}] for name, value in security.items() if name not in optional | anonymous)
    assert set(client.get("/openapi.json").json()["components"]["securitySchemes"]) == {"Token"}


def test_422_is_documented_only_where_a_request_can_be_invalid(client: TestClient) -> None:
    documented = {
        f"{method} {path}" for method, path, operation in _operations(client) if "422" in operation["responses"]
    }

    assert "GET /api/profiles/{username}" not in documented
    assert "DELETE /api/articles/{slug}" not in documented
    assert {"POST /api/users", "GET /api/articles", "DELETE /api/articles/{slug}/comments/{comment_id}"} <= documented
