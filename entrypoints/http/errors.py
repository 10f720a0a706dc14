"""The one place where failures become HTTP answers, all in the spec's `{"errors": {...}}` shape."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg2 import OperationalError as DriverOperationalError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException

from domain.errors import AlreadyExists, DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated
from entrypoints.http.json_body import DUPLICATE_KEY

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (AlreadyExists, 409),
    (InvalidInput, 422),
)
OBJECT_EXPECTED = {"dict_type", "model_type", "model_attributes_type"}
ENVELOPES = {"body", "query", "path", "header", "user", "article", "comment"}


def error_response(status: int, errors: dict[str, list[str]], headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"errors": errors}, headers=headers)


def status_of(error: DomainError) -> int:
    return next((status for kind, status in STATUS_BY_ERROR if isinstance(error, kind)), 422)


def validation_errors(details: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Reshape pydantic's error list: `("body", "user", "email")` becomes the key `email`."""
    errors: dict[str, list[str]] = {}
    for detail in details:
        names = [part for part in detail["loc"] if isinstance(part, str)]
        fields = [name for name in names if name not in ENVELOPES] or names[-1:] or ["body"]
        kind = detail["type"]
        if kind == "json_invalid":
            reason = str(detail.get("ctx", {}).get("error", ""))
            field, message = "body", f"has a {reason}" if reason.startswith(DUPLICATE_KEY) else "is not valid JSON"
        elif kind in OBJECT_EXPECTED:
            field, message = fields[-1], "must be a JSON object"
        elif kind == "missing":
            field, message = fields[-1], "can't be blank"
        else:
            field, message = fields[-1], _readable(detail["msg"])
        errors.setdefault(field, []).append(message)
    return errors


def _readable(message: str) -> str:
    """`Input should be a valid string` → `must be a valid string`, in the spec's lower-case style."""
    if message.startswith("Input should be "):
        return "must be " + message.removeprefix("Input should be ")
    return message[:1].lower() + message[1:]


def register_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
        request.app.state.container.metrics().count_domain_error(exc)
        return error_response(status_of(exc), exc.errors)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, validation_errors(list(exc.errors())))

    @app.exception_handler(HTTPException)
    def _http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return error_response(exc.status_code, {"request": [str(exc.detail).lower()]}, exc.headers)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeoutError)
    # The driver's own, unwrapped: SQLAlchemy lets it out when a connection found dead is given back to the pool
    # (resetting the autocommit of a read's connection, e.g. after PgBouncer or the server restarted).
    @app.exception_handler(DriverOperationalError)
    def _database_unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return error_response(503, {"database": ["is unavailable, try again shortly"]}, {"Retry-After": "1"})

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)  # not log.exception: this runs in a worker thread, outside `except`
        # Starlette answers this one outside every middleware: the request id is added here, so that the caller
        # can quote it and the traceback above be found.
        request_id = getattr(request.state, "request_id", None)
        return error_response(500, {"server": ["internal error"]}, {"X-Request-ID": request_id} if request_id else None)
