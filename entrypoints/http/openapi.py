"""The OpenAPI document, corrected to describe what the service really answers.

FastAPI documents its own 422 body (`HTTPValidationError`), which Conduit never sends, and marks every route with a
security dependency as requiring a token. Clients generated from the document, and fuzzers reading it, must see
the truth: errors in the `{"errors": {...}}` shape, optional sign-in where a token is optional, 503 when the
database is away.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from entrypoints.http.auth import OPTIONAL_TOKEN_SCHEME, TOKEN_SCHEME

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}
FREE_TEXT_KEYS = {"type", "title", "description"}
TOO_LARGE = {
    "description": "The body is larger than the configured limit (MAX_BODY_BYTES)",
    "content": {"application/json": {"schema": ERROR_SCHEMA}},
}
UNAVAILABLE = {
    "description": "The database is unavailable; retry after the `Retry-After` delay",
    "content": {"application/json": {"schema": ERROR_SCHEMA}},
}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                routes=app.routes,
                description=app.description,
            )
            _correct(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _correct(document: dict[str, Any]) -> None:
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if _is_fastapis_own_422(responses.get("422")):
                if _can_fail_validation(operation):
                    responses["422"]["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
                else:
                    del responses["422"]
            if path.startswith("/api/"):
                responses.setdefault("503", UNAVAILABLE)
            if "requestBody" in operation:
                responses.setdefault("413", TOO_LARGE)
            if operation.get("security") == [{OPTIONAL_TOKEN_SCHEME: []}]:
                operation["security"] = [{TOKEN_SCHEME: []}, {}]  # signed in, or anonymous
    document.get("components", {}).get("securitySchemes", {}).pop(OPTIONAL_TOKEN_SCHEME, None)
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def _is_fastapis_own_422(response: dict[str, Any] | None) -> bool:
    """FastAPI's automatic 422 (we document ours with ErrorResponse)."""
    return response is not None and "HTTPValidationError" in str(response.get("content"))


def _can_fail_validation(operation: dict[str, Any]) -> bool:
    """A body, or a parameter that is more than free text, can be refused with a 422."""
    if "requestBody" in operation:
        return True
    return any(not _is_free_text(parameter.get("schema", {})) for parameter in operation.get("parameters", []))


def _is_free_text(schema: dict[str, Any]) -> bool:
    """A string (or an optional string) with no constraint: every value is acceptable."""
    if "anyOf" in schema:
        variants = schema["anyOf"]
        return set(schema) <= FREE_TEXT_KEYS | {"anyOf"} and all(
            v == {"type": "null"} or _is_free_text(v) for v in variants
        )
    return schema.get("type") == "string" and set(schema) <= FREE_TEXT_KEYS
