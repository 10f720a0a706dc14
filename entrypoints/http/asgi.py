"""What uvicorn loads: `uvicorn --factory entrypoints.http.asgi:app_from_environment`."""

from fastapi import FastAPI

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.logging import configure_logging
from entrypoints.settings import Settings


def app_from_environment() -> FastAPI:
    settings = Settings()
    # In each worker: uvicorn's workers are fresh interpreters, they do not inherit the parent's logging set-up.
    configure_logging(settings.log_format, settings.log_level)
    if settings.database_url is None:
        raise SystemExit("DATABASE_URL is not set (`conduit serve` starts an embedded PostgreSQL when it is unset)")
    return create_app(build_container(settings), settings)
