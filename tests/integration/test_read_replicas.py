"""Reads go to a read replica, writes and a writer's own reads to the primary; a replica that fails or lags is left out.

The "replica" here is a second pool on the test database under another application_name: which pool ran each
statement is what these tests observe. A real streaming standby (lag, recovery) is exercised by the local cluster's
tests (tests/scale).
"""

import contextlib
import contextvars
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, literal_column, select, text

from adapters.sqlalchemy.database import build_engine
from adapters.sqlalchemy.routing import LAG, DriverRead, ReadRouting, ReplicaStatus
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Recorder:
    """Which engine ran each statement, by name; the lag monitor's own measurements (it runs in the background
    every second) are left out."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, str]] = []

    def watch(self, name: str, engine: Engine) -> None:
        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement != str(LAG):
                self.statements.append((name, statement))

        event.listen(engine, "before_cursor_execute", record)

    def take(self) -> list[str]:
        """The engines used since the last take, one entry per statement."""
        taken = [name for name, _ in self.statements]
        self.statements.clear()
        return taken


@dataclass
class Service:
    client: TestClient
    container: Container
    recorder: Recorder

    @property
    def routing(self) -> ReadRouting:
        routing = self.container.read_routing()
        assert routing is not None
        return routing


def service_with_replicas(database_url: str, replica_urls: list[str]) -> Iterator[Service]:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        database_read_url=replica_urls,
        rate_limit_enabled=False,
    )
    container = build_container(settings)
    with TestClient(create_app(container, settings)) as client:
        recorder = Recorder()
        routing = container.read_routing()
        assert routing is not None
        recorder.watch("primary", container.engine())
        for index, replica in enumerate(routing._replicas):
            recorder.watch(f"replica{index}", replica.engine)
        yield Service(client, container, recorder)


@pytest.fixture
def service(mappers: None, clean_database: Engine, migrated_database_url: str) -> Iterator[Service]:
    replica = f"{migrated_database_url}?application_name=conduit-test-replica"
    yield from service_with_replicas(migrated_database_url, [replica])


def register(client: TestClient, name: str) -> str:
    response = client.post(
        "/api/users", json={"user": {"username": name, "email": f"{name}@example.com", "password": "password123"}}
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["user"]["token"]
    return token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def test_anonymous_reads_go_to_the_replica(service: Service) -> None:
    service.recorder.take()

    assert service.client.get("/api/articles").status_code == 200
    assert service.client.get("/api/tags").status_code == 200
    assert service.client.get("/api/profiles/nobody").status_code == 404

    assert set(service.recorder.take()) == {"replica0"}


def test_a_writer_reads_their_own_writes_from_the_primary_and_others_read_the_replica(
    service: Service, clean_database: Engine
) -> None:
    writer, reader = register(service.client, "writer"), register(service.client, "reader")
    service.recorder.take()

    created = service.client.post(
        "/api/articles",
        json={"article": {"title": "Fresh", "description": "d", "body": "b", "tagList": ["t"]}},
        headers=auth(writer),
    )
    assert created.status_code == 201
    during_write = service.recorder.take()
    slug = created.json()["article"]["slug"]

    writer_reads = service.client.get(f"/api/articles/{slug}", headers=auth(writer))
    writer_engines = service.recorder.take()
    reader_reads = service.client.get(f"/api/articles/{slug}", headers=auth(reader))
    reader_engines = service.recorder.take()

    assert set(during_write) == {"primary"}  # the session check (marking the write), the write, nothing else
    assert writer_reads.status_code == 200
    assert writer_engines == ["primary", "primary"]  # session check, then the article: inside the window
    assert reader_reads.status_code == 200
    assert reader_engines == ["primary", "replica0"]  # the session check is always on the primary
    with clean_database.connect() as connection:
        marked = connection.execute(text("SELECT count(*) FROM recent_writes")).scalar_one()
    assert marked == 1  # the writer only: reading marks nobody


def test_a_write_mark_older_than_the_window_sends_reads_back_to_the_replica(
    service: Service, clean_database: Engine
) -> None:
    writer = register(service.client, "writer")
    service.client.put("/api/user", json={"user": {"bio": "new"}}, headers=auth(writer))
    with clean_database.begin() as connection:
        connection.execute(text("UPDATE recent_writes SET wrote_at = now() - interval '1 hour'"))
    service.recorder.take()

    assert service.client.get("/api/articles", headers=auth(writer)).status_code == 200

    assert service.recorder.take() == ["primary", "replica0"]


def test_staying_on_the_primary_holds_for_one_request_context_only(service: Service) -> None:
    routing = service.routing

    def request_that_wrote() -> str:
        routing.stay_on_primary()
        with routing.connect() as connection:
            return str(connection.engine.url.query.get("application_name", "primary"))

    def next_request() -> str:
        with routing.connect() as connection:
            return str(connection.engine.url.query.get("application_name", "primary"))

    assert contextvars.copy_context().run(request_that_wrote) == "primary"
    assert contextvars.copy_context().run(next_request) == "conduit-test-replica"


def test_a_replica_that_lags_or_fails_gets_no_reads_and_reports_it(service: Service) -> None:
    routing = service.routing
    replica = routing._replicas[0]
    service.recorder.take()

    routing._record(replica, ReplicaStatus(replica.name, up=True, lag_seconds=5.0))  # as a poll would find it
    lagging = service.client.get("/api/articles")
    lagging_engines = service.recorder.take()
    routing.poll()  # caught up (a database that is not in recovery is 0 s behind)
    caught_up = service.client.get("/api/articles")
    caught_up_engines = service.recorder.take()
    metrics = service.client.get("/metrics").text

    assert (lagging.status_code, lagging_engines) == (200, ["primary"])
    assert (caught_up.status_code, caught_up_engines) == (200, ["replica0"])
    assert f'conduit_db_replica_up{{replica="{replica.name}"}} 1.0' in metrics
    assert f'conduit_db_replica_lag_seconds{{replica="{replica.name}"}} 0.0' in metrics


def test_a_replica_that_is_down_sends_reads_to_the_primary(
    mappers: None, clean_database: Engine, migrated_database_url: str
) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/none"
    for service in service_with_replicas(migrated_database_url, [nowhere]):
        service.recorder.take()
        answers = [service.client.get("/api/articles").status_code for _ in range(3)]
        engines = service.recorder.take()
        statuses = service.routing.statuses()
        metrics = service.client.get("/metrics").text

        assert answers == [200, 200, 200]
        assert engines == ["primary"] * 3
        assert statuses == [
            ReplicaStatus("127.0.0.1:" + nowhere.rsplit(":", maxsplit=1)[-1], up=False, lag_seconds=None)
        ]
        assert f'conduit_db_replica_up{{replica="{statuses[0].name}"}} 0.0' in metrics


def test_the_select_one_ceiling_reads_through_the_driver_like_the_api(
    mappers: None, clean_database: Engine, migrated_database_url: str
) -> None:
    settings = Settings(_env_file=None, database_url=migrated_database_url, bench_routes=True)
    container = build_container(settings)
    with TestClient(create_app(container, settings)) as client:
        recorder = Recorder()
        recorder.watch("primary", container.engine())
        response = client.get("/bench/select1")

    assert (response.status_code, response.json()) == (200, {"ok": True, "value": 1})
    assert recorder.take() == ["primary"]


def test_a_read_whose_connection_dies_mid_statement_leaves_the_pool_clean(
    migrated_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The driver's error reaches the caller (a 503 over HTTP); the dead connection is invalidated rather than
    reset and kept (which would log a traceback), and the next read gets a fresh one."""
    engine = build_engine(migrated_database_url, pool_size=1, max_overflow=0)
    routing = ReadRouting(engine)
    slow = DriverRead(select(func.pg_sleep(5).label("slept")))

    def kill_it() -> None:
        time.sleep(0.5)
        with engine_for_admin(migrated_database_url) as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()"
                )
            )

    killer = threading.Thread(target=kill_it)
    killer.start()
    with caplog.at_level(logging.ERROR, logger="sqlalchemy.pool"), pytest.raises(psycopg2.OperationalError):
        routing.fetch(slow, {})
    killer.join()
    after = routing.fetch(DriverRead(select(literal_column("1").label("one"))), {})
    engine.dispose()

    assert [row.one for row in after] == [1]
    assert [record.getMessage() for record in caplog.records] == []


@contextlib.contextmanager
def engine_for_admin(url: str) -> Iterator[Any]:
    admin = build_engine(url, pool_size=1, max_overflow=0)
    try:
        with admin.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")
    finally:
        admin.dispose()
