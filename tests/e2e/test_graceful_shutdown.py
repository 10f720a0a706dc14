"""SIGTERM under load: requests in flight finish, new connections are refused, nothing is cut off.

One thing no server can prevent: when it stops listening, the kernel resets the connections it had already taken
into the listen queue but the server had not yet accepted (a load balancer draining the instance first is what
avoids them). Such a request never reached Conduit; each request carries its own X-Request-ID, and the test tells
these apart by their absence from the service's log. Any request that Conduit did receive must get its full answer.
"""

import contextlib
import http.client
import json
import signal
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import psycopg2
import pytest

from tests.e2e.conduit_process import conduit_env, conduit_server, request
from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e

REGISTERING_CLIENTS = 6  # argon2 makes each registration take tens of ms: the server is always busy
READING_CLIENTS = 3
GRACEFUL_TIMEOUT = 20  # `timeout_graceful_shutdown` in entrypoints/cli.py
LOAD_LIMIT_SECONDS = 60  # every client stops by itself after this, whatever happens


@dataclass(frozen=True)
class Outcome:
    kind: str  # "answered" (a complete, parsed response), "refused" (could not connect) or "broken"
    started: float
    ended: float
    status: int = 0
    detail: str = ""
    username: str = ""
    request_id: str = ""


def call(host: str, port: int, method: str, path: str, body: Mapping[str, object] | None, token: str = "") -> Outcome:
    """One request on a fresh connection, classified by what the client saw."""
    started = time.monotonic()
    request_id = uuid.uuid4().hex
    connection = http.client.HTTPConnection(host, port, timeout=GRACEFUL_TIMEOUT + 10)
    try:
        try:
            connection.connect()
        except ConnectionRefusedError:
            return Outcome("refused", started, time.monotonic(), request_id=request_id)
        headers = {"Content-Type": "application/json", "Connection": "close", "X-Request-ID": request_id}
        if token:
            headers["Authorization"] = f"Token {token}"
        try:
            connection.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = connection.getresponse()
            payload = response.read()
            json.loads(payload)  # complete and valid, or this raises
        except (OSError, http.client.HTTPException, ValueError) as error:
            return Outcome("broken", started, time.monotonic(), detail=repr(error), request_id=request_id)
        return Outcome("answered", started, time.monotonic(), status=response.status, request_id=request_id)
    finally:
        connection.close()


@dataclass
class Load:
    host: str
    port: int
    token: str
    outcomes: list[Outcome]
    lock: threading.Lock
    deadline: float

    def record(self, outcome: Outcome) -> bool:
        """Keep it; go on until refused (the server has stopped listening) or out of time."""
        with self.lock:
            self.outcomes.append(outcome)
        return outcome.kind != "refused" and time.monotonic() < self.deadline

    def register(self) -> None:
        going = True
        while going:
            name = f"sd_{uuid.uuid4().hex[:12]}"
            body = {"user": {"username": name, "email": f"{name}@x.io", "password": "password123"}}
            outcome = call(self.host, self.port, "POST", "/api/users", body)
            going = self.record(replace(outcome, username=name))

    def read(self) -> None:
        paths = ["/api/articles", "/api/tags", "/api/user", "/api/profiles/nobody"]
        going, turn = True, 0
        while going:
            path = paths[turn % len(paths)]
            going = self.record(call(self.host, self.port, "GET", path, None, self.token))
            turn += 1

    def answered(self) -> int:
        with self.lock:
            return sum(outcome.kind == "answered" for outcome in self.outcomes)


@pytest.fixture
def database_url(pg_server: PostgresServer) -> Iterator[str]:
    with pg_server.database("conduit_shutdown") as url:
        yield url


def usernames_in(database_url: str) -> set[str]:
    url = database_url.replace("postgresql+psycopg2://", "postgresql://")
    with contextlib.closing(psycopg2.connect(url)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT username FROM users")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_lets_requests_in_flight_finish_and_cuts_none_off(database_url: str, workers: int) -> None:
    with conduit_server(conduit_env(DATABASE_URL=database_url), "--workers", str(workers)) as server:
        address = urlsplit(server.base_url)
        assert address.hostname is not None
        assert address.port is not None
        _, body = request(
            "POST",
            f"{server.base_url}/api/users",
            {"user": {"username": "reader", "email": "reader@x.io", "password": "password123"}},
        )
        load = Load(address.hostname, address.port, body["user"]["token"], [], threading.Lock(), 0.0)
        load.deadline = time.monotonic() + LOAD_LIMIT_SECONDS
        clients = [threading.Thread(target=load.register) for _ in range(REGISTERING_CLIENTS)]
        clients += [threading.Thread(target=load.read) for _ in range(READING_CLIENTS)]
        for client in clients:
            client.start()
        while load.answered() < 40 and time.monotonic() < load.deadline:
            time.sleep(0.02)

        server.process.send_signal(signal.SIGTERM)
        sigterm_at = time.monotonic()
        for client in clients:
            client.join(timeout=LOAD_LIMIT_SECONDS)
        exit_code = server.process.wait(timeout=GRACEFUL_TIMEOUT + 10)
        exited_after = time.monotonic() - sigterm_at
        output = server.output()

    outcomes = load.outcomes
    broken = [outcome for outcome in outcomes if outcome.kind == "broken"]
    answered = [outcome for outcome in outcomes if outcome.kind == "answered"]
    in_flight_then_finished = [o for o in answered if o.started < sigterm_at < o.ended]
    refused = [outcome for outcome in outcomes if outcome.kind == "refused"]
    registered = {o.username for o in answered if o.username and o.status == 201}
    attempted = {o.username for o in outcomes if o.username}

    assert not any(client.is_alive() for client in clients)
    never_received = [o for o in broken if o.detail.startswith("ConnectionResetError") and o.request_id not in output]
    cut_off = [o for o in broken if o not in never_received]
    assert cut_off == [], output[-3000:]
    assert all(o.ended > sigterm_at for o in never_received)  # only once shutdown had begun
    assert {o.status for o in answered} <= {200, 201, 401, 404, 409, 422}
    assert in_flight_then_finished, "no request was in flight when SIGTERM arrived"
    assert len(refused) == REGISTERING_CLIENTS + READING_CLIENTS  # each client ends on a refused connection
    assert all(o.started > sigterm_at for o in refused)
    # Every account the database holds got its 201: no registration was done and then had its answer cut off.
    assert usernames_in(database_url) & attempted == registered
    assert exit_code in {0, 128 + signal.SIGTERM}, output[-3000:]
    assert exited_after < GRACEFUL_TIMEOUT
