"""Readiness and pool figures on a real PostgreSQL, and on one that is not there."""

import socket
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from adapters.sqlalchemy.database import build_engine
from adapters.sqlalchemy.health import DatabaseProbe, PoolStats
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

pytestmark = pytest.mark.integration


def closed_port() -> int:
    """A port nothing listens on: bound once to get a free number, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def client_for(database_url: str, **settings: int) -> TestClient:
    config = Settings(_env_file=None, database_url=database_url, **settings)  # type: ignore[arg-type]
    return TestClient(create_app(build_container(config), config))


def test_ready_when_the_database_answers(mappers: None, migrated_database_url: str) -> None:
    with client_for(migrated_database_url) as client:
        response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_not_ready_when_nothing_listens_at_the_database_url(mappers: None) -> None:
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/conduit"

    with client_for(url) as client:
        started = time.monotonic()
        response = client.get("/health/ready")
        elapsed = time.monotonic() - started
        live = client.get("/health/live")

    assert response.status_code == 503
    assert response.json() == {"errors": {"database": ["is unavailable"]}}
    assert elapsed < 3
    assert live.status_code == 200


def test_ready_even_when_every_pooled_connection_is_busy(mappers: None, migrated_database_url: str) -> None:
    with client_for(migrated_database_url, db_pool_size=1, db_max_overflow=0) as client:
        engine = client.app.state.container.engine()  # type: ignore[attr-defined]
        with engine.connect() as busy:
            busy.execute(text("SELECT 1"))
            started = time.monotonic()
            response = client.get("/health/ready")
            elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < 2  # the probe did not queue for the pool (DB_POOL_TIMEOUT_SECONDS is 10)


def test_the_probe_gives_up_on_a_server_that_accepts_but_never_answers(migrated_database_url: str) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel completes the handshake; nobody ever reads or writes
        url = f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/conduit"
        engine = build_engine(url)
        try:
            started = time.monotonic()
            reachable = DatabaseProbe(engine).ping(timeout=2)
            elapsed = time.monotonic() - started
        finally:
            engine.dispose()

    assert not reachable
    assert elapsed < 5


def test_pool_figures_follow_the_connections_in_use(migrated_database_url: str) -> None:
    engine = build_engine(migrated_database_url, pool_size=2, max_overflow=3)
    probe = DatabaseProbe(engine)
    try:
        with engine.connect(), engine.connect(), engine.connect():
            busy = probe.pool_stats()
        idle = probe.pool_stats()
    finally:
        engine.dispose()

    assert busy == PoolStats(size=2, checked_out=3, overflow=1)
    assert idle == PoolStats(size=2, checked_out=0, overflow=0)  # an overflow connection closes when returned


def test_the_pool_gauges_report_the_real_pool(mappers: None, migrated_database_url: str) -> None:
    with client_for(migrated_database_url, db_pool_size=4) as client:
        client.get("/api/tags")
        body = client.get("/metrics").text

    assert "conduit_db_pool_size 4.0" in body
    assert "conduit_db_pool_checked_out 0.0" in body
