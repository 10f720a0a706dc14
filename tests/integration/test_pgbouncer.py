"""Conduit through PgBouncer in transaction pooling mode: what it takes, proven on a throwaway PgBouncer
(tests/pgbouncer.py) in front of the test server.

- Many clients share a few server connections: 200 concurrent clients never open more than PgBouncer's pool.
- Nothing Conduit does leaves state on a server connection for the next client to find: no session-level `SET`,
  `PREPARE`, `LISTEN` or advisory lock on a whole API journey (statements captured on the engine), and no startup
  parameter (PgBouncer refuses them: DB_TRANSACTION_POOLER); the statement timeout still applies (the server's).
- The API answers through it, and a PgBouncer restart under load costs some 503s, never a 500, and heals itself.
"""

import contextlib
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from adapters.security import Argon2PasswordHasher
from entrypoints.container import build_container
from entrypoints.database import check_statement_timeout, upgrade
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.builders import PASSWORD
from tests.pgbouncer import APPLICATION_NAME, PgBouncer, pgbouncer, pgbouncer_binary
from tests.pgbouncer import enabled as pgbouncer_enabled
from tests.postgres import PostgresServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(pgbouncer_binary() is None, reason="pgbouncer is not installed (apt-get install pgbouncer)"),
]

POOL_SIZE = 20
CLIENTS = 200
# Statements that would leave state on the server connection after their transaction: the next client of that
# connection would inherit it. (SET LOCAL and pg_advisory_xact_lock end with the transaction: fine.)
SESSION_STATE = re.compile(
    r"^\s*(SET(?!\s+LOCAL\b)|RESET|PREPARE|DEALLOCATE|DISCARD|LISTEN|UNLISTEN|DECLARE\s+\w+\s+.*WITH\s+HOLD)\b"
    r"|\bpg_advisory_lock\b|\bpg_advisory_lock_shared\b|\bset_config\s*\([^)]*,\s*false\s*\)",
    re.IGNORECASE | re.DOTALL,
)


@pytest.fixture(scope="module")
def database(pg_server: PostgresServer) -> Iterator[str]:
    """A migrated database of its own, as URL on the server itself."""
    with pg_server.database("conduit_pgbouncer") as url:
        direct = pg_server.direct_url(url)
        upgrade(direct)
        yield direct


@pytest.fixture(scope="module")
def bouncer(database: str) -> Iterator[PgBouncer]:
    with pgbouncer(database, pool_size=POOL_SIZE) as bouncer:
        yield bouncer


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def server_connections(direct_url: str) -> int:
    """PgBouncer's connections to this database, as the server sees them."""
    connection = psycopg2.connect(libpq(make_url(direct_url).set(database="postgres").render_as_string(False)))
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                (make_url(direct_url).database, APPLICATION_NAME),
            )
            (count,) = cursor.fetchone() or (0,)
            return int(count)
    finally:
        connection.close()


def test_the_suite_reaches_its_databases_as_the_switch_says(pg_server: PostgresServer) -> None:
    """With CONDUIT_TEST_PGBOUNCER=1 every database URL a test (and so the app) gets leads through PgBouncer: the
    server's backend then serves a client that is not us. Without it, the URLs lead to the server itself."""
    with (
        pg_server.database("conduit_switch") as url,
        contextlib.closing(psycopg2.connect(libpq(url))) as connection,
        socket.socket(fileno=os.dup(connection.fileno())) as ours,  # our end of the connection
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT client_port FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        (backend_client_port,) = cursor.fetchone() or (None,)
        our_port = ours.getsockname()[1]

    assert (backend_client_port == our_port) is not pgbouncer_enabled()
    assert (os.environ.get("DB_TRANSACTION_POOLER") == "true") is pgbouncer_enabled()


# --- many clients, few server connections ------------------------------------------------------------------------


def test_200_concurrent_clients_share_the_pool_of_20_server_connections(bouncer: PgBouncer, database: str) -> None:
    barrier = threading.Barrier(CLIENTS + 1)
    done = threading.Event()
    failures: list[BaseException] = []
    succeeded: list[int] = []
    seen: list[int] = []

    def client(n: int) -> None:
        try:
            connection = psycopg2.connect(libpq(bouncer.url(database)), connect_timeout=30)
        except BaseException as error:
            failures.append(error)
            barrier.abort()
            return
        try:
            barrier.wait(timeout=60)
            for _ in range(3):  # each a short transaction holding a server connection for 20 ms
                with connection, connection.cursor() as cursor:
                    cursor.execute("SELECT pg_sleep(0.02), %s", (n,))
                    assert cursor.fetchone() == ("", n)
            succeeded.append(n)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    def watch() -> None:
        while not done.is_set():
            seen.append(server_connections(database))
            time.sleep(0.02)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=60)  # every client connected to PgBouncer: 200 client connections
    watcher = threading.Thread(target=watch)
    watcher.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    watcher.join()

    assert failures == []
    assert len(succeeded) == CLIENTS
    assert max(seen) <= POOL_SIZE
    assert max(seen) >= POOL_SIZE // 2  # the load really queued on the pool (it is not a vacuous bound)
    pools = [pool for pool in bouncer.show("POOLS") if pool["database"] == make_url(database).database]
    assert sum(int(str(pool["sv_active"])) + int(str(pool["sv_idle"])) for pool in pools) <= POOL_SIZE


# --- no session state ---------------------------------------------------------------------------------------------


def conduit_through(bouncer: PgBouncer, database: str, **settings: Any) -> tuple[TestClient, Engine]:
    config = Settings(_env_file=None, database_url=bouncer.url(database), db_transaction_pooler=True, **settings)
    container = build_container(config)
    container.password_hasher.override(providers.Object(Argon2PasswordHasher(memory_kib=1024, time_cost=1)))
    return TestClient(create_app(container, config), raise_server_exceptions=False), container.engine()


def journey(client: TestClient, name: str) -> None:
    """Every kind of request the API has, as one user and another: reads, writes, the session check, the limits."""
    user = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    assert client.post("/api/users", json={"user": user}).status_code == 201
    login = client.post("/api/users/login", json={"user": {"email": user["email"], "password": PASSWORD}})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Token {login.json()['user']['token']}"}
    other = {"username": f"{name}2", "email": f"{name}2@example.com", "password": PASSWORD}
    other_token = client.post("/api/users", json={"user": other}).json()["user"]["token"]
    other_headers = {"Authorization": f"Token {other_token}"}
    article = {"title": f"Dragons {name}", "description": "d", "body": "b", "tagList": ["dragons", "training"]}
    created = client.post("/api/articles", json={"article": article}, headers=headers)
    assert created.status_code == 201, created.text
    slug = created.json()["article"]["slug"]
    answers = [
        client.get("/api/user", headers=headers),
        client.put("/api/user", json={"user": {"bio": "I like dragons"}}, headers=headers),
        client.get("/api/articles"),
        client.get("/api/articles", params={"tag": "dragons", "limit": 5}),
        client.get("/api/articles", params={"author": name}),
        client.get(f"/api/articles/{slug}"),
        client.put(f"/api/articles/{slug}", json={"article": {"body": "more"}}, headers=headers),
        client.post(f"/api/articles/{slug}/favorite", headers=other_headers),
        client.get("/api/articles", params={"favorited": other["username"]}),
        client.post(f"/api/profiles/{name}/follow", headers=other_headers),
        client.get("/api/articles/feed", headers=other_headers),
        client.get(f"/api/profiles/{name}", headers=other_headers),
        client.post(f"/api/articles/{slug}/comments", json={"comment": {"body": "nice"}}, headers=other_headers),
        client.get(f"/api/articles/{slug}/comments"),
        client.get("/api/tags"),
        client.delete(f"/api/articles/{slug}/favorite", headers=other_headers),
        client.delete(f"/api/profiles/{name}/follow", headers=other_headers),
        client.get("/health/ready"),
        client.delete(f"/api/articles/{slug}", headers=headers),
    ]
    assert [response.status_code for response in answers if response.status_code >= 300] == []


def test_a_whole_api_journey_leaves_no_session_state_on_a_server_connection(bouncer: PgBouncer, database: str) -> None:
    client, engine = conduit_through(bouncer, database, rate_limit_store="postgres")
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def capture(connection: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    with client:
        journey(client, "sessionless")

    assert len(statements) > 30  # the journey ran on this engine
    assert [statement for statement in statements if SESSION_STATE.search(statement)] == []
    assert "options" not in engine.dialect.create_connect_args(engine.url)[1]
    with engine.connect() as connection:  # the statement timeout is the server's, set for every connection
        assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "5s"


def test_the_pattern_catches_what_would_leak() -> None:
    leaks = ["SET statement_timeout = 0", "set search_path to x", "PREPARE p AS SELECT 1", "LISTEN x", "RESET ALL"]
    leaks += ["SELECT pg_advisory_lock(1)", "SELECT set_config('x.y', '1', false)", "DISCARD ALL"]
    fine = [
        "SET LOCAL statement_timeout = 5000",
        "SELECT pg_advisory_xact_lock(1)",
        "SELECT 'SET x'",
        "UPDATE t SET a = 1",
    ]

    assert [statement for statement in leaks if not SESSION_STATE.search(statement)] == []
    assert [statement for statement in fine if SESSION_STATE.search(statement)] == []


def test_a_session_set_would_leak_to_the_next_client_which_is_why_conduit_issues_none(
    database: str,
) -> None:
    with pgbouncer(database, pool_size=1) as single:  # one server connection: the next client gets the same one
        first = psycopg2.connect(libpq(single.url(database)))
        first.autocommit = True
        with first.cursor() as cursor:
            cursor.execute("SET statement_timeout = 1234")
        first.close()
        second = psycopg2.connect(libpq(single.url(database)))
        try:
            with second.cursor() as cursor:
                cursor.execute("SHOW statement_timeout")
                leaked = (cursor.fetchone() or ("",))[0]
        finally:
            second.close()

    assert leaked == "1234ms"


def test_startup_options_are_refused_by_pgbouncer(bouncer: PgBouncer, database: str) -> None:
    """Why DB_TRANSACTION_POOLER exists: the per-connection statement timeout cannot get through."""
    with pytest.raises(psycopg2.OperationalError, match="unsupported startup parameter: options"):
        psycopg2.connect(libpq(bouncer.url(database)), options="-c statement_timeout=5000")


def test_a_statement_over_the_timeout_is_cancelled_through_pgbouncer(bouncer: PgBouncer, database: str) -> None:
    _, engine = conduit_through(bouncer, database)
    with engine.connect() as connection, pytest.raises(OperationalError, match="statement timeout"):
        connection.execute(text("SELECT pg_sleep(6)"))


# --- the API through it, and a restart under load ----------------------------------------------------------------


def test_the_api_answers_through_pgbouncer_and_a_restart_costs_503s_never_500s(
    bouncer: PgBouncer, database: str
) -> None:
    client, _ = conduit_through(bouncer, database)
    statuses: list[int] = []
    stop = threading.Event()

    with client:
        journey(client, "bounced")
        user = {"username": "loader", "email": "loader@example.com", "password": PASSWORD}
        token = client.post("/api/users", json={"user": user}).json()["user"]["token"]
        headers = {"Authorization": f"Token {token}"}

        def load() -> None:
            while not stop.is_set():
                statuses.append(client.get("/api/articles", headers=headers).status_code)
                statuses.append(client.get("/api/user", headers=headers).status_code)

        loaders = [threading.Thread(target=load) for _ in range(4)]
        for loader in loaders:
            loader.start()
        time.sleep(0.5)
        bouncer.restart(down_seconds=1.0)  # killed: every client and server connection cut at once
        time.sleep(1.5)
        stop.set()
        for loader in loaders:
            loader.join()
        after = [client.get("/api/articles").status_code for _ in range(5)]

    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    assert 503 in statuses  # the outage was seen
    assert statuses[-20:].count(200) == 20  # and over before the load stopped: recovered by itself
    assert after == [200] * 5


# --- the statement timeout is the server's behind a pooler, and checked -------------------------------------------


def test_behind_a_pooler_no_connection_asks_for_a_timeout() -> None:
    pooled = Settings(_env_file=None, database_url=None, db_transaction_pooler=True)
    direct = Settings(_env_file=None, database_url=None, db_transaction_pooler=False, db_statement_timeout_seconds=3)

    assert pooled.db_statement_timeout_per_connection is None
    assert direct.db_statement_timeout_per_connection == 3


def test_serve_checks_the_timeout_the_server_gives(
    bouncer: PgBouncer, database: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="entrypoints.database"):
        assert check_statement_timeout(bouncer.url(database), 5.0) == 5.0  # connect_query gives it
        assert caplog.records == []
        assert check_statement_timeout(database, 5.0) == 0.0  # the server itself: none

    assert "ALTER ROLE <conduit's role> SET statement_timeout = '5000ms'" in caplog.text
