"""The FastAPI application factory: one entrypoint among others onto the same container."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from entrypoints.container import Container
from entrypoints.http import articles, bench, comments, health, profiles, tags, users
from entrypoints.http.errors import register_error_handlers
from entrypoints.http.limits import BodySizeLimitMiddleware
from entrypoints.http.observability import ObservabilityMiddleware, metrics_router
from entrypoints.http.openapi import install_openapi
from entrypoints.settings import Settings


def create_app(container: Container, settings: Settings) -> FastAPI:
    threads = settings.pool_plan().threads

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Sync routes and dependencies run in anyio's default thread pool (40 threads unless told): as many threads as
        # connections, plus a few for work that needs none. More would only queue on the pool, or open and close
        # overflow connections, each a new PostgreSQL backend.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        container.init_resources()
        # What is alive now (modules, routes, models, the container) lives as long as the process. Frozen, it is out
        # of the collector's sight: a full collection, which came every second or two under load and found nothing
        # to free, scanned all of it and paused the worker 50-95 ms each time (1-2 ms frozen; p99 of the list
        # 130 -> 55 ms). Freezing costs nothing (a list splice); collecting first would cost a full collection per
        # start (what start-up left as garbage is small, and stays).
        gc.freeze()
        try:
            yield
        finally:
            container.shutdown_resources()  # disposes the connection pool
            gc.unfreeze()  # an app stopped in a process that goes on (tests) leaves nothing pinned

    # Swagger UI and ReDoc served from the package's own assets: /docs and /redoc work with no internet.
    app = FastAPIOffline(
        title="Conduit",
        summary="The RealWorld (Conduit) API: users, profiles, articles, comments, favorites, tags.",
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.container = container
    # Inside CORS, so that a browser can read the 413.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Requested-With", "X-Request-ID"],
        expose_headers=["X-Request-ID"],
        max_age=600,
    )
    # Added last, so outermost: every answer, CORS refusals included, gets a request id, a log line and a metric.
    app.add_middleware(ObservabilityMiddleware, metrics=container.metrics)
    register_error_handlers(app)
    install_openapi(app)
    app.include_router(users.router)
    app.include_router(profiles.router)
    app.include_router(articles.router)
    app.include_router(comments.router)
    app.include_router(tags.router)
    app.include_router(health.router)
    app.include_router(metrics_router)
    if settings.bench_routes:
        app.include_router(bench.router)
    return app
